using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// Blobs on disk, content-addressed like distribution's filesystem driver (paths: <see cref="CacheLayout"/>).
/// Writes are staged in the temp folder (same filesystem, so the commit is a rename), which is emptied at start: a
/// fill interrupted by a crash leaves nothing that could be served.
/// </summary>
internal sealed class FileBlobStore : IBlobStore, IDisposable
{
    private readonly CacheLayout _layout;
    private readonly ITierEvents _tier;
    private readonly OpenBlobHandles _handles;

    /// <param name="root">The cache directory.</param>
    /// <param name="tier">The disk tier to keep informed (index, size bound); none for a bare store.</param>
    public FileBlobStore(string root, ITierEvents? tier = null)
        : this(new CacheLayout(root), tier ?? ITierEvents.None)
    {
    }

    public FileBlobStore(CacheLayout layout, ITierEvents tier, int openHandles = OpenBlobHandles.DefaultCapacity)
    {
        _layout = layout;
        _tier = tier;
        _handles = new OpenBlobHandles(openHandles);
        tier.OnBlobDeleted(_handles.Forget);
        Directory.CreateDirectory(layout.Blobs);
        if (Directory.Exists(layout.Temp))
        {
            foreach (var stale in Directory.EnumerateFiles(layout.Temp))
            {
                FileSystem.TryDelete(stale);
            }
        }

        Directory.CreateDirectory(layout.Temp);
    }

    public string Root => _layout.Root;

    public string PathOf(Digest digest) => _layout.PathOf(BlobKind.Blob, digest);

    /// <summary>Open handles kept for hits (at most <see cref="OpenBlobHandles.DefaultCapacity"/>).</summary>
    internal int OpenHandles => _handles.Count;

    public StoredBlob? TryOpen(Digest digest)
    {
        var path = PathOf(digest);
        if (!File.Exists(path))
        {
            // The common miss costs no exception; a file deleted behind the mirror's back takes its kept handle along.
            _handles.Forget(digest);
            return null;
        }

        if (_handles.TryLease(digest) is { } kept)
        {
            _tier.Hit(BlobIndexKey.Blob(digest), kept.Length);
            return kept;
        }

        try
        {
            // Sequential: the kernel reads ahead for the whole-blob reads that are the rule.
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
            long length;
            try
            {
                length = RandomAccess.GetLength(handle);
            }
            catch
            {
                handle.Dispose();
                throw;
            }

            _tier.Hit(BlobIndexKey.Blob(digest), length);
            var opened = _handles.Admit(digest, handle, length);
            if (!File.Exists(path))
            {
                // Deleted while it was being opened, and perhaps told before it was kept: not kept after all (this
                // reader still reads it, as any open reader of a deleted file does).
                _handles.Forget(digest);
            }

            return opened;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // evicted between the check and the open
        }
    }

    public bool TryGetLength(Digest digest, out long length)
    {
        var info = new FileInfo(PathOf(digest));
        length = info.Exists ? info.Length : 0;
        if (info.Exists)
        {
            _tier.Hit(BlobIndexKey.Blob(digest), length);
        }

        return info.Exists;
    }

    /// <summary>
    /// Starts writing a blob; <paramref name="expectedLength"/> (the upstream's claim) is reserved up front so a disk
    /// that cannot hold it fails now, not half-way through the body.
    /// </summary>
    /// <remarks>
    /// A claim is only a claim: one larger than the disk tier or the free space is that fill's problem (it streams
    /// uncached), not the node's. Only when a small write fails too is the cache reported unwritable (readiness).
    /// </remarks>
    /// <exception cref="CacheUnavailableException">The blob cannot be written here (disk full, directory unwritable, claim too large).</exception>
    public StagedBlob BeginWrite(Digest digest, long? expectedLength = null)
    {
        if (expectedLength is > 0 and var claim)
        {
            if (_tier.MaxBytes is > 0 and var max && claim > max)
            {
                throw new CacheUnavailableException($"{digest} has {claim} bytes, more than the whole disk tier holds ({max} bytes)", null);
            }

            if (FreeBytes() is { } free && claim > free)
            {
                ProbeWritable();
                throw new CacheUnavailableException($"{digest} has {claim} bytes, more than the {free} bytes free in the cache", null);
            }
        }

        StagedBlob staged;
        try
        {
            staged = new(digest, _layout.NewTempPath(digest), PathOf(digest), _tier, expectedLength ?? 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (expectedLength is not > 0 || !ProbeWritable())
            {
                _tier.WriteFailed("begin write", ex);
            }

            throw new CacheUnavailableException($"cannot write {digest} to the cache: {ex.Message}", ex);
        }

        _tier.WriteStarted(digest);
        return staged;
    }

    /// <summary>Bytes free on the cache's filesystem for this process, or null when that cannot be told.</summary>
    private long? FreeBytes()
    {
        try
        {
            return new DriveInfo(_layout.Temp).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether a small write still works; when it does not, the disk really is full (reported once).</summary>
    private bool ProbeWritable()
    {
        var probe = _layout.NewProbePath();
        try
        {
            using (var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(new byte[64 * 1024]);
                file.Flush(flushToDisk: false);
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _tier.WriteFailed("write", ex);
            return false;
        }
        finally
        {
            FileSystem.TryDelete(probe);
        }
    }

    public bool Delete(Digest digest)
    {
        var path = PathOf(digest);
        if (!File.Exists(path))
        {
            return false;
        }

        FileSystem.TryDelete(path);
        _handles.Forget(digest); // after the delete: a handle kept meanwhile is dropped too (TryOpen re-checks)
        _tier.Removed(BlobIndexKey.Blob(digest));
        return true;
    }

    public void Dispose() => _handles.Dispose();
}
