using FASTER.core;
using Microsoft.Extensions.Logging;
using Session = FASTER.core.ClientSession<
    Mirror.Storage.FasterBlobIndex.IndexKey,
    Mirror.Storage.FasterBlobIndex.IndexValue,
    long,
    Mirror.Storage.FasterBlobIndex.IndexValue,
    FASTER.core.Empty,
    Mirror.Storage.FasterBlobIndex.IndexFunctions>;

namespace Mirror.Storage;

/// <summary>
/// The persistent index: a FASTER key-value store under <c>&lt;Cache:Directory&gt;/index/</c>, checkpointed
/// periodically and at shutdown, recovered at start.
/// </summary>
/// <remarks>
/// <code>
///  index/
///    hlog.log.*            FASTER's hybrid log (records: 8 B header + 72 B key + 32 B value = 112 B)
///    checkpoints/          index-checkpoints/&lt;guid&gt;, cpr-checkpoints/&lt;guid&gt; (snapshot of the in-memory log)
///
///  key   = kind + algorithm (1 word) and the raw digest bytes (8 words; a sha256 uses the first 4, rest zero)
///  value = size, stored-at ticks, last-access ticks, hit count
/// </code>
/// Keys and values are blittable structs, so FASTER stores them in place with no serializer; the full digest is
/// in the key (no hashing of sha512 down to 32 bytes), so enumeration gives back exact digests.
/// <para>
/// Snapshot checkpoints (not fold-over) keep the log mutable after a checkpoint: a Touch stays an in-place update
/// instead of copying the record to the tail. A corrupt or unreadable checkpoint is logged and the index starts
/// empty; the reconciliation with the files on disk then rebuilds it (losing only hit counts and recency).
/// </para>
/// Sessions are not thread-safe, so operations rent one from a small pool; FASTER sessions hold no epoch while
/// idle, so pooled sessions do not hold back checkpoints.
/// </remarks>
internal sealed partial class FasterBlobIndex : IBlobIndex
{
    private const int IndexBuckets = 1 << 16; // 64 B buckets × 7 slots: 4 MiB, ~450 k entries before overflow buckets
    private const int PageSizeBits = 20;      // 1 MiB pages
    // 128 MiB of log in memory ≈ 1.2 M records. FASTER allocates the pages as the log grows, so a small index pays
    // nothing for it (an empty and a 100 k one open to the same RSS); with 32 MiB, lookups in a 1 M-entry index went
    // to the log file ~70 % of the time (Touch 0.4 → 8–11 µs, docs/benchmarks.md) for ~63 MB saved.
    private const int MemorySizeBits = 27;
    private const int SegmentSizeBits = 26;
    private const int RecordSize = 112;

    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly IDevice _device;
    private readonly FasterKV<IndexKey, IndexValue> _store;
    private readonly IndexFunctions _functions = new();
    private readonly System.Collections.Concurrent.ConcurrentBag<Session> _sessions = [];
    private readonly Lock _writeGate = new();
    private readonly SemaphoreSlim _checkpointGate = new(1, 1);
    private long _count;
    private long _totalBytes;
    private long _changes;
    private long _checkpointedChanges;
    private bool _disposed;

    private FasterBlobIndex(string directory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
        Directory.CreateDirectory(Path.Combine(directory, "checkpoints"));
        _device = Devices.CreateLogDevice(Path.Combine(directory, "hlog.log"), preallocateFile: false, deleteOnClose: false, recoverDevice: true);
        _store = new FasterKV<IndexKey, IndexValue>(
            IndexBuckets,
            new LogSettings
            {
                LogDevice = _device,
                PageSizeBits = PageSizeBits,
                MemorySizeBits = MemorySizeBits,
                SegmentSizeBits = SegmentSizeBits,
            },
            new CheckpointSettings { CheckpointDir = Path.Combine(directory, "checkpoints"), RemoveOutdated = true },
            comparer: IndexKeyComparer.Instance);
    }

    public long Count => Volatile.Read(ref _count);

    public long TotalBytes => Volatile.Read(ref _totalBytes);

    public bool Recovered { get; private set; }

    /// <summary>Where this index keeps its files.</summary>
    public string IndexDirectory => _directory;

    /// <summary>
    /// Opens the index in <paramref name="directory"/>, recovering the last checkpoint when there is one. Never
    /// throws for a damaged checkpoint: the directory is wiped and the index starts empty (see the remarks).
    /// </summary>
    public static FasterBlobIndex Open(string directory, ILogger logger)
    {
        directory = Path.GetFullPath(directory);
        var index = new FasterBlobIndex(directory, logger);
        if (!HasCheckpoint(directory))
        {
            return index;
        }

        try
        {
            index._store.Recover();
            index.Recount();
            index.Recovered = true;
            Log.Recovered(logger, index.Count, index.TotalBytes);
            return index;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.RecoveryFailed(logger, directory, ex.GetType().Name, ex.Message);
            index.Dispose();
            TryDeleteDirectory(directory);
            return new FasterBlobIndex(directory, logger);
        }
    }

    public bool TryGet(BlobIndexKey key, out BlobIndexEntry entry)
    {
        var k = IndexKey.From(key);
        if (TryRead(ref k, out var value))
        {
            entry = value.ToEntry();
            return true;
        }

        entry = default;
        return false;
    }

    public void Upsert(BlobIndexKey key, BlobIndexEntry entry)
    {
        var k = IndexKey.From(key);
        var v = IndexValue.From(entry);
        lock (_writeGate)
        {
            var session = Rent();
            try
            {
                var existed = TryRead(session, ref k, out var old);
                session.Upsert(ref k, ref v);
                Interlocked.Add(ref _totalBytes, v.Size - (existed ? old.Size : 0));
                if (!existed)
                {
                    Interlocked.Increment(ref _count);
                }
            }
            finally
            {
                Return(session);
            }
        }

        Interlocked.Increment(ref _changes);
    }

    public bool Touch(BlobIndexKey key, DateTimeOffset now)
    {
        var k = IndexKey.From(key);
        var input = now.UtcTicks;
        var output = default(IndexValue);
        var session = Rent();
        try
        {
            var status = session.RMW(ref k, ref input, ref output);
            if (status.IsPending)
            {
                session.CompletePendingWithOutputs(out var completed, wait: true);
                using (completed)
                {
                    while (completed.Next())
                    {
                        status = completed.Current.Status;
                    }
                }
            }

            Interlocked.Increment(ref _changes);
            return status.Found;
        }
        finally
        {
            Return(session);
        }
    }

    public bool Remove(BlobIndexKey key)
    {
        var k = IndexKey.From(key);
        lock (_writeGate)
        {
            var session = Rent();
            try
            {
                if (!TryRead(session, ref k, out var old))
                {
                    return false;
                }

                session.Delete(ref k);
                Interlocked.Add(ref _totalBytes, -old.Size);
                Interlocked.Decrement(ref _count);
            }
            finally
            {
                Return(session);
            }
        }

        Interlocked.Increment(ref _changes);
        return true;
    }

    /// <remarks>
    /// A scan of the log, not <c>ClientSession.Iterate</c>: FASTER's iterator de-duplicates through a temporary
    /// store whose first two pages (32 MiB each at its default page size) are allocated and zeroed on every call —
    /// 64 MiB of resident memory at start-up (reconciliation), kept by the GC long after, and at every eviction pass.
    /// </remarks>
    public IReadOnlyList<KeyValuePair<BlobIndexKey, BlobIndexEntry>> Snapshot()
    {
        var live = ScanLive();
        var result = new KeyValuePair<BlobIndexKey, BlobIndexEntry>[live.Count];
        var i = 0;
        foreach (var (key, value) in live)
        {
            result[i++] = new(key.ToKey(), value.ToEntry());
        }

        return result;
    }

    public void Dispose()
    {
        _checkpointGate.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            while (_sessions.TryTake(out var session))
            {
                session.Dispose();
            }

            _store.Dispose();
            _device.Dispose();
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    private bool TryRead(ref IndexKey key, out IndexValue value)
    {
        var session = Rent();
        try
        {
            return TryRead(session, ref key, out value);
        }
        finally
        {
            Return(session);
        }
    }

    private static bool TryRead(Session session, ref IndexKey key, out IndexValue value)
    {
        value = default;
        var status = session.Read(ref key, ref value);
        if (status.IsPending)
        {
            // Only records that left memory (a log larger than MemorySizeBits) go pending.
            session.CompletePendingWithOutputs(out var completed, wait: true);
            using (completed)
            {
                while (completed.Next())
                {
                    status = completed.Current.Status;
                    value = completed.Current.Output;
                }
            }
        }

        return status.Found;
    }

    /// <summary>The live records, by their blittable key: what <see cref="Snapshot"/> hands out.</summary>
    private Dictionary<IndexKey, IndexValue> ScanLive()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var log = _store.Log;
        var capacity = Count > 0 ? (int)Math.Min(Count + 16, Array.MaxLength) : RecordsInLog();
        var scan = new Collector(new Dictionary<IndexKey, IndexValue>(capacity, IndexKeyComparer.Instance));
        log.Scan(ref scan, log.BeginAddress, log.TailAddress);
        return scan.Items;
    }

    /// <summary>
    /// Counts the live entries and their bytes at open. It used to count a <see cref="Snapshot"/>: a digest string,
    /// a dictionary entry and a list item per record, ~720 B per entry allocated (0.7 GB at a million). Now only the
    /// blittable keys and sizes (<see cref="SizeCollector"/>), ~60 B per entry in one presized allocation.
    /// </summary>
    private void Recount()
    {
        var log = _store.Log;
        var scan = new SizeCollector(new Dictionary<Sha256Key, long>(RecordsInLog()), new Dictionary<IndexKey, long>(IndexKeyComparer.Instance));
        log.Scan(ref scan, log.BeginAddress, log.TailAddress);
        Volatile.Write(ref _count, scan.Count);
        Volatile.Write(ref _totalBytes, scan.Bytes);
    }

    /// <summary>
    /// An upper bound of the distinct keys (every record is <see cref="RecordSize"/> bytes): a dictionary sized once,
    /// where growing it by doubling would allocate and copy its slots about twice over.
    /// </summary>
    private int RecordsInLog() =>
        (int)Math.Min((_store.Log.TailAddress - _store.Log.BeginAddress) / RecordSize + 1, Array.MaxLength);

    private Session Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _sessions.TryTake(out var session) ? session : _store.For(_functions).NewSession<IndexFunctions>();
    }

    private void Return(Session session)
    {
        if (_disposed || _sessions.Count >= Environment.ProcessorCount * 4)
        {
            session.Dispose();
            return;
        }

        _sessions.Add(session);
    }

    private static bool HasCheckpoint(string directory)
    {
        var cpr = Path.Combine(directory, "checkpoints", "cpr-checkpoints");
        return Directory.Exists(cpr) && Directory.EnumerateFileSystemEntries(cpr).Any();
    }

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5010, LogLevel.Information, "Blob index recovered: {Count} entries, {Bytes} bytes")]
        public static partial void Recovered(ILogger logger, long count, long bytes);

        [LoggerMessage(5011, LogLevel.Error, "Blob index in {Directory} could not be recovered ({Error}: {Message}); starting empty and rebuilding from the files")]
        public static partial void RecoveryFailed(ILogger logger, string directory, string error, string message);

        [LoggerMessage(5012, LogLevel.Debug, "Blob index checkpointed: {Count} entries, {Bytes} bytes")]
        public static partial void Checkpointed(ILogger logger, long count, long bytes);

        [LoggerMessage(5013, LogLevel.Information, "Blob index log compacted: {Before} bytes of log, {After} after")]
        public static partial void Compacted(ILogger logger, long before, long after);

        [LoggerMessage(5014, LogLevel.Warning, "Blob index log compaction failed: {Message}")]
        public static partial void CompactionFailed(ILogger logger, string message);
    }
}
