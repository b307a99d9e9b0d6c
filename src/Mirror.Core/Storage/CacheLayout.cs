using System.Security.Cryptography;
using System.Text;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// Where everything lives under <c>Mirror:Cache:Directory</c> — the one place that knows the disk layout.
/// </summary>
/// <remarks>
/// <code>
///  &lt;root&gt;/blobs/sha256/ab/&lt;hex&gt;            committed blobs (distribution's filesystem driver layout)
///  &lt;root&gt;/manifests/sha256/ab/&lt;hex&gt;        committed manifest bytes
///  &lt;root&gt;/manifests/sha256/ab/&lt;hex&gt;.type   their media type
///  &lt;root&gt;/tags/&lt;sha256 of registry/repo:tag&gt;  tag → digest answers per Accept set (JSON)
///  &lt;root&gt;/index/                           the FASTER blob index (log + checkpoints)
///  &lt;root&gt;/tmp/                             writes in progress; emptied at start (same filesystem: commit = rename)
/// </code>
/// </remarks>
public sealed class CacheLayout
{
    public CacheLayout(string root)
    {
        Root = Path.GetFullPath(root);
        Blobs = Path.Combine(Root, "blobs");
        Manifests = Path.Combine(Root, "manifests");
        Tags = Path.Combine(Root, "tags");
        Index = Path.Combine(Root, "index");
        Temp = Path.Combine(Root, "tmp");
    }

    public string Root { get; }

    public string Blobs { get; }

    public string Manifests { get; }

    public string Tags { get; }

    public string Index { get; }

    public string Temp { get; }

    /// <summary>The folder holding one kind of content.</summary>
    public string FolderOf(BlobKind kind) => kind == BlobKind.Manifest ? Manifests : Blobs;

    public string PathOf(BlobIndexKey key) => PathOf(key.Kind, key.Digest);

    public string PathOf(BlobKind kind, Digest digest) => Path.Combine(FolderOf(kind), digest.Algorithm, digest.Hex[..2], digest.Hex);

    /// <summary>A manifest's media-type file, beside its content.</summary>
    public string MediaTypePathOf(Digest digest) => PathOf(BlobKind.Manifest, digest) + ".type";

    /// <summary>A fresh, unique temp file name for a write of <paramref name="digest"/>.</summary>
    public string NewTempPath(Digest digest) => Path.Combine(Temp, $"{digest.Hex}.{Guid.NewGuid():N}");

    /// <summary>A fresh temp name that is no digest's (space probes).</summary>
    public string NewProbePath() => Path.Combine(Temp, "probe." + Guid.NewGuid().ToString("N"));

    /// <summary>The tag file of <c>registry/repository:tag</c>: hashed, so any name is a safe file name.</summary>
    public string TagPathOf(string registry, string repository, string tag) =>
        Path.Combine(Tags, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TagName(registry, repository, tag)))));

    /// <summary>The name a tag file records for itself (a hash collision or a stray file is then a miss).</summary>
    public static string TagName(string registry, string repository, string tag) => $"{registry}/{repository}:{tag}";

    /// <summary>
    /// Reads a committed content file name back into its key: <c>&lt;folder&gt;/&lt;algorithm&gt;/&lt;prefix&gt;/&lt;hex&gt;</c>.
    /// False for anything else (media-type files, strays).
    /// </summary>
    public static bool TryParseContentFile(string algorithmFolder, string prefixFolder, string fileName, out Digest digest) =>
        Digest.TryParse($"{Path.GetFileName(algorithmFolder)}:{fileName}", out digest)
        && fileName.StartsWith(Path.GetFileName(prefixFolder), StringComparison.Ordinal);
}
