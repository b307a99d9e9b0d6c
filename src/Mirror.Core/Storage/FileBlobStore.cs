using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// Blobs on disk, content-addressed like distribution's filesystem driver: <c>&lt;root&gt;/blobs/sha256/ab/&lt;hex&gt;</c>.
/// Writes are staged in <c>&lt;root&gt;/tmp</c> (same filesystem, so the commit is a rename) and the temp folder is
/// emptied at start: a fill interrupted by a crash leaves nothing that could be served.
/// </summary>
internal sealed class FileBlobStore : IBlobStore
{
    private readonly string _blobRoot;
    private readonly string _tempRoot;

    public FileBlobStore(string root)
    {
        Root = Path.GetFullPath(root);
        _blobRoot = Path.Combine(Root, "blobs");
        _tempRoot = Path.Combine(Root, "tmp");
        Directory.CreateDirectory(_blobRoot);
        if (Directory.Exists(_tempRoot))
        {
            foreach (var stale in Directory.EnumerateFiles(_tempRoot))
            {
                TryDelete(stale);
            }
        }

        Directory.CreateDirectory(_tempRoot);
    }

    public string Root { get; }

    public string PathOf(Digest digest) => Path.Combine(_blobRoot, digest.Algorithm, digest.Hex[..2], digest.Hex);

    public StoredBlob? TryOpen(Digest digest)
    {
        try
        {
            var stream = StagedBlob.OpenShared(PathOf(digest));
            return new StoredBlob(stream, stream.Length);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public bool TryGetLength(Digest digest, out long length)
    {
        var info = new FileInfo(PathOf(digest));
        length = info.Exists ? info.Length : 0;
        return info.Exists;
    }

    public StagedBlob BeginWrite(Digest digest) =>
        new(digest, Path.Combine(_tempRoot, $"{digest.Hex}.{Guid.NewGuid():N}"), PathOf(digest));

    public bool Delete(Digest digest)
    {
        var path = PathOf(digest);
        if (!File.Exists(path))
        {
            return false;
        }

        TryDelete(path);
        return true;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
