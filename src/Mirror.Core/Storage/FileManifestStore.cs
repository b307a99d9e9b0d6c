using System.Text;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// Manifests on disk: <c>&lt;root&gt;/manifests/sha256/ab/&lt;hex&gt;</c> holds the bytes, <c>&lt;hex&gt;.type</c> the media
/// type. The type is written first; the content rename is the commit, so a manifest is never visible without it.
/// Content read back is checked against its digest: a file damaged on disk is a miss, not a wrong answer.
/// </summary>
internal sealed class FileManifestStore : IManifestStore
{
    private readonly string _root;
    private readonly string _tempRoot;
    private readonly DiskTier? _tier;

    /// <param name="root">The cache directory.</param>
    /// <param name="tier">The disk tier to keep informed (index, size bound); null for a bare store.</param>
    public FileManifestStore(string root, DiskTier? tier = null)
    {
        _tier = tier;
        _root = Path.Combine(Path.GetFullPath(root), "manifests");
        _tempRoot = Path.Combine(Path.GetFullPath(root), "tmp");
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_tempRoot);
    }

    public async ValueTask<StoredManifest?> GetAsync(Digest digest, CancellationToken cancellationToken)
    {
        var path = PathOf(digest);
        try
        {
            var content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            var mediaType = await File.ReadAllTextAsync(path + ".type", cancellationToken).ConfigureAwait(false);
            if (!digest.Matches(content))
            {
                Delete(digest);
                return null;
            }

            _tier?.Hit(BlobIndexKey.Manifest(digest));
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
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(_tempRoot, $"{manifest.Digest.Hex}.{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(temp + ".type", manifest.MediaType, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        File.Move(temp + ".type", path + ".type", overwrite: true);
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await file.WriteAsync(manifest.Content, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        _tier?.Committed(BlobIndexKey.Manifest(manifest.Digest));
    }

    public bool Delete(Digest digest)
    {
        var path = PathOf(digest);
        var existed = File.Exists(path);
        if (existed)
        {
            File.Delete(path);
        }

        if (File.Exists(path + ".type"))
        {
            File.Delete(path + ".type");
        }

        _tier?.Removed(BlobIndexKey.Manifest(digest));
        return existed;
    }

    private string PathOf(Digest digest) => Path.Combine(_root, digest.Algorithm, digest.Hex[..2], digest.Hex);
}
