using System.Globalization;

namespace Mirror.EndToEndTests.Registries;

/// <summary>A blob on the upstream, reached through the mirror under <paramref name="Registry"/> (a path prefix).</summary>
/// <param name="Registry">The mirror's upstream name for it (resume.test or fragile.test: both go through nginx).</param>
/// <param name="Repository">Its repository on the upstream.</param>
/// <param name="Digest">sha256 of the bytes.</param>
/// <param name="Length">Its size in bytes.</param>
internal sealed record FaultBlob(string Registry, string Repository, string Digest, long Length)
{
    /// <summary><c>/v2/&lt;registry&gt;/&lt;repository&gt;/blobs/&lt;digest&gt;</c> on the mirror.</summary>
    public Uri On(Uri mirror) => new(mirror, $"/v2/{Registry}/{Repository}/blobs/{Digest}");

    public override string ToString() => $"{Registry}/{Repository}@{Digest[..19]}… ({Length.ToString(CultureInfo.InvariantCulture)} bytes)";
}
