using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// The byte-bounded disk tier: keeps the <see cref="IBlobIndex"/> in step with the files of the blob and
/// manifest stores, and evicts least-recently-used files when the total passes the high watermark.
/// </summary>
/// <remarks>
/// <code>
///  FileBlobStore / FileManifestStore ──commit──▶ Committed() ─ index.Upsert ─ over high? ─▶ signal janitor
///                                    ──hit─────▶ Hit() ─ index.Touch (adopts a file the index missed)
///                                    ──delete──▶ Removed()
///  DiskTierJanitor ─ signal or slow timer ─▶ Evict(): oldest LastAccess first, skip digests being written,
///                                            delete file then entry, until total ≤ low watermark
/// </code>
/// Deleting a file under a reader is safe: readers open their handle before streaming and an unlinked file stays
/// readable through open handles (POSIX). A fill writes to <c>tmp/</c> and is never evicted; its commit re-adds
/// the entry even when an older copy was evicted meanwhile. The stores stay ignorant of sizes and policy.
/// </remarks>
internal sealed partial class DiskTier : ITierEvents
{
    private readonly CacheLayout _layout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Digest, int> _writing = new();
    private readonly Lock _evictGate = new();
    private readonly SemaphoreSlim _pressure = new(0, 1);
    private Action<Digest>? _blobDeleted;
    private long _evictedFiles;
    private long _evictedBytes;

    public DiskTier(string root, IBlobIndex index, DiskTierLimits limits, CacheHealth health, TimeProvider time, ILogger<DiskTier> logger)
    {
        _layout = new CacheLayout(root);
        Index = index;
        Limits = limits;
        Health = health;
        _time = time;
        _logger = logger;
    }

    public IBlobIndex Index { get; }

    public DiskTierLimits Limits { get; }

    public CacheHealth Health { get; }

    /// <summary>Files and bytes evicted (by the size bound) since start.</summary>
    public (long Files, long Bytes) Evicted => (Interlocked.Read(ref _evictedFiles), Interlocked.Read(ref _evictedBytes));

    public bool IsOverHighWatermark => Limits.MaxBytes > 0 && Index.TotalBytes > Limits.HighBytes;

    public long MaxBytes => Limits.MaxBytes;

    public string PathOf(BlobIndexKey key) => _layout.PathOf(key);

    public void OnBlobDeleted(Action<Digest> deleted) => _blobDeleted += deleted;

    /// <summary>A file was committed: it enters the index as just accessed.</summary>
    public void Committed(BlobIndexKey key, long size = -1)
    {
        try
        {
            var now = _time.GetUtcNow();
            Index.Upsert(key, new BlobIndexEntry(size >= 0 ? size : SizeOnDisk(key), now, now, 0));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            IndexFailed("upsert", ex);
        }

        Health.ReportWriteSucceeded();
        if (IsOverHighWatermark)
        {
            SignalPressure();
        }
    }

    /// <summary>
    /// A stored file was served. A file the index did not know (a crash between rename and index update, an index
    /// rebuilt empty) is adopted; <paramref name="size"/> -1 means "measure it then".
    /// </summary>
    public void Hit(BlobIndexKey key, long size = -1)
    {
        try
        {
            var now = _time.GetUtcNow();
            if (!Index.Touch(key, now))
            {
                Index.Upsert(key, new BlobIndexEntry(size >= 0 ? size : SizeOnDisk(key), now, now, 1));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            IndexFailed("touch", ex);
        }
    }

    public void Removed(BlobIndexKey key)
    {
        try
        {
            Index.Remove(key);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            IndexFailed("remove", ex);
        }
    }

    public void WriteStarted(Digest digest) => _writing.AddOrUpdate(digest, 1, static (_, n) => n + 1);

    public void WriteEnded(Digest digest)
    {
        if (_writing.AddOrUpdate(digest, 0, static (_, n) => n - 1) <= 0)
        {
            _writing.TryRemove(KeyValuePair.Create(digest, 0));
        }
    }

    public bool IsWriting(Digest digest) => _writing.ContainsKey(digest);

    public void WriteFailed(string operation, Exception error) => Health.ReportWriteFailed(operation, error);

    /// <summary>Wakes the janitor (at most one pending signal).</summary>
    public void SignalPressure()
    {
        if (_pressure.CurrentCount == 0)
        {
            try
            {
                _pressure.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>Waits until a commit pushed the total over the high watermark (true) or the token fires (false).</summary>
    public async Task<bool> WaitForPressureAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _pressure.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Bytes a stored file takes, as the index counts them: a manifest's content plus its media-type file.</summary>
    public long SizeOnDisk(BlobIndexKey key)
    {
        var path = PathOf(key);
        var size = new FileInfo(path) is { Exists: true } content ? content.Length : 0;
        if (key.Kind == BlobKind.Manifest && new FileInfo(_layout.MediaTypePathOf(key.Digest)) is { Exists: true } type)
        {
            size += type.Length;
        }

        return size;
    }

    private void IndexFailed(string operation, Exception error)
    {
        // Degrade, don't fail: an index error costs bookkeeping, never the request that triggered it. A disposed
        // index means the host is shutting down; nothing to report.
        if (error is not ObjectDisposedException)
        {
            Log.IndexFailed(_logger, operation, error.GetType().Name, error.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5020, LogLevel.Information, "Evicted {Files} files ({Bytes} bytes); disk tier now {Total} of {Max} bytes")]
        public static partial void Evicted(ILogger logger, int files, long bytes, long total, long max);

        [LoggerMessage(5021, LogLevel.Information, "Pruned {Files} files ({Bytes} bytes) not accessed for {OlderThan}")]
        public static partial void Pruned(ILogger logger, int files, long bytes, string olderThan);

        [LoggerMessage(5022, LogLevel.Information, "Blob index reconciled with the files: {Count} entries, {Bytes} bytes ({Adopted} files adopted, {Dropped} entries without a file dropped)")]
        public static partial void Reconciled(ILogger logger, long count, long bytes, int adopted, int dropped);

        [LoggerMessage(5023, LogLevel.Warning, "Could not delete {Key}: {Message}")]
        public static partial void DeleteFailed(ILogger logger, string key, string message);

        [LoggerMessage(5024, LogLevel.Warning, "Blob index {Operation} failed ({Error}: {Message}); the request goes on")]
        public static partial void IndexFailed(ILogger logger, string operation, string error, string message);
    }
}
