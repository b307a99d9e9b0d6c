
namespace Mirror.Storage;

/// <summary>Eviction by the size bound, pruning by age, and deleting one entry (admin).</summary>
internal sealed partial class DiskTier
{
    /// <summary>
    /// When the total is over the high watermark, deletes least-recently-used files until it is at or under the
    /// low watermark. Returns what was removed.
    /// </summary>
    public (int Files, long Bytes) Evict()
    {
        if (!IsOverHighWatermark)
        {
            return (0, 0);
        }

        lock (_evictGate)
        {
            var target = Limits.LowBytes;
            var files = 0;
            var bytes = 0L;
            var entries = Index.Snapshot().OrderBy(e => e.Value.LastAccess).ThenBy(e => e.Value.StoredAt);
            foreach (var (key, entry) in entries)
            {
                if (Index.TotalBytes <= target)
                {
                    break;
                }

                if (DeleteEntry(key))
                {
                    files++;
                    bytes += entry.Size;
                }
            }

            Interlocked.Add(ref _evictedFiles, files);
            Interlocked.Add(ref _evictedBytes, bytes);
            Log.Evicted(_logger, files, bytes, Index.TotalBytes, Limits.MaxBytes);
            return (files, bytes);
        }
    }

    /// <summary>Deletes every file not accessed since <paramref name="olderThan"/> ago.</summary>
    public (int Files, long Bytes) Prune(TimeSpan olderThan)
    {
        var cutoff = _time.GetUtcNow() - olderThan;
        lock (_evictGate)
        {
            var files = 0;
            var bytes = 0L;
            foreach (var (key, entry) in Index.Snapshot())
            {
                if (entry.LastAccess < cutoff && DeleteEntry(key))
                {
                    files++;
                    bytes += entry.Size;
                }
            }

            Log.Pruned(_logger, files, bytes, olderThan.ToString());
            return (files, bytes);
        }
    }

    /// <summary>Deletes one file and its entry (admin). False when neither exists.</summary>
    public bool Delete(BlobIndexKey key)
    {
        lock (_evictGate)
        {
            var known = Index.TryGet(key, out _);
            if (!known && !File.Exists(PathOf(key)))
            {
                return false;
            }

            DeleteFiles(key);
            Index.Remove(key);
            return true;
        }
    }

    private bool DeleteEntry(BlobIndexKey key)
    {
        // A digest being written is skipped: its commit renames over the path and re-adds the entry anyway, and
        // deleting between that rename and the index update would lose a fresh blob.
        if (key.Kind == BlobKind.Blob && IsWriting(key.Digest))
        {
            return false;
        }

        if (!DeleteFiles(key))
        {
            return false;
        }

        Index.Remove(key);
        return true;
    }

    private bool DeleteFiles(BlobIndexKey key)
    {
        var path = PathOf(key);
        try
        {
            // Content first: a manifest without content is a miss, content without its type file never happens.
            File.Delete(path);
            if (key.Kind == BlobKind.Blob)
            {
                _blobDeleted?.Invoke(key.Digest);
            }

            if (key.Kind == BlobKind.Manifest)
            {
                File.Delete(_layout.MediaTypePathOf(key.Digest));
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.DeleteFailed(_logger, key.ToString(), ex.Message);
            return false;
        }
    }
}
