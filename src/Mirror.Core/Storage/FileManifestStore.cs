using System.Text;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// Manifests on disk (paths: <see cref="CacheLayout"/>): the bytes, and beside them a <c>.type</c> file with the
/// media type. The type is written first; the content rename is the commit, so a manifest is never visible without
/// it. Content read back is checked against its digest: a file damaged on disk is a miss, not a wrong answer. A
/// manifest already stored keeps the media type it was first verified with.
/// </summary>
internal sealed class FileManifestStore : IManifestStore
{
    private readonly CacheLayout _layout;
    private readonly ITierEvents _tier;

    /// <param name="root">The cache directory.</param>
    /// <param name="tier">The disk tier to keep informed (index, size bound); none for a bare store.</param>
    public FileManifestStore(string root, ITierEvents? tier = null)
        : this(new CacheLayout(root), tier ?? ITierEvents.None)
    {
    }

    public FileManifestStore(CacheLayout layout, ITierEvents tier)
    {
        _layout = layout;
        _tier = tier;
        Directory.CreateDirectory(layout.Manifests);
        Directory.CreateDirectory(layout.Temp);
    }

    public async ValueTask<StoredManifest?> GetAsync(Digest digest, CancellationToken cancellationToken)
    {
        var path = PathOf(digest);
        if (!File.Exists(path))
        {
            return null; // the common miss costs no exception
        }

        try
        {
            var content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            var mediaType = await File.ReadAllTextAsync(_layout.MediaTypePathOf(digest), cancellationToken).ConfigureAwait(false);
            if (!digest.Matches(content))
            {
                Delete(digest);
                return null;
            }

            _tier.Hit(BlobIndexKey.Manifest(digest));
            return new StoredManifest(digest, mediaType.Trim(), content);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public async ValueTask PutAsync(StoredManifest manifest, CancellationToken cancellationToken)
    {
        var path = PathOf(manifest.Digest);
        if (File.Exists(path) && File.Exists(_layout.MediaTypePathOf(manifest.Digest)))
        {
            return; // the same bytes are there already, with the media type they were first verified with
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = _layout.NewTempPath(manifest.Digest);
        await File.WriteAllTextAsync(temp + ".type", manifest.MediaType, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        File.Move(temp + ".type", _layout.MediaTypePathOf(manifest.Digest), overwrite: true);
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await file.WriteAsync(manifest.Content, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        _tier.Committed(BlobIndexKey.Manifest(manifest.Digest));
    }

    public bool Delete(Digest digest)
    {
        var path = PathOf(digest);
        var existed = File.Exists(path);
        if (existed)
        {
            File.Delete(path);
        }

        if (File.Exists(_layout.MediaTypePathOf(digest)))
        {
            File.Delete(_layout.MediaTypePathOf(digest));
        }

        _tier.Removed(BlobIndexKey.Manifest(digest));
        return existed;
    }

    private string PathOf(Digest digest) => _layout.PathOf(BlobKind.Manifest, digest);
}
