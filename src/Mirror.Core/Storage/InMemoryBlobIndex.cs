using System.Collections.Concurrent;

namespace Mirror.Storage;

/// <summary>
/// The index in a dictionary: nothing persisted, rebuilt from the files at every start. For tests and for
/// <c>Mirror:Cache:Index=memory</c>-style setups where recovery time does not matter.
/// </summary>
internal sealed class InMemoryBlobIndex : IBlobIndex
{
    private readonly ConcurrentDictionary<BlobIndexKey, Slot> _entries = new();
    private readonly Lock _gate = new();
    private long _totalBytes;

    public long Count => _entries.Count;

    public long TotalBytes => Volatile.Read(ref _totalBytes);

    public bool Recovered => false;

    public bool TryGet(BlobIndexKey key, out BlobIndexEntry entry)
    {
        if (_entries.TryGetValue(key, out var slot))
        {
            entry = slot.ToEntry();
            return true;
        }

        entry = default;
        return false;
    }

    public void Upsert(BlobIndexKey key, BlobIndexEntry entry)
    {
        // Writers serialize so that the byte total matches the entries; Touch (the hot path) takes no lock.
        lock (_gate)
        {
            var slot = new Slot(entry);
            var previous = _entries.TryGetValue(key, out var old) ? old.Size : 0;
            _entries[key] = slot;
            Interlocked.Add(ref _totalBytes, entry.Size - previous);
        }
    }

    public bool Touch(BlobIndexKey key, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(key, out var slot))
        {
            return false;
        }

        slot.Touch(now.UtcTicks);
        return true;
    }

    public bool Remove(BlobIndexKey key)
    {
        lock (_gate)
        {
            if (!_entries.TryRemove(key, out var slot))
            {
                return false;
            }

            Interlocked.Add(ref _totalBytes, -slot.Size);
            return true;
        }
    }

    public IReadOnlyList<KeyValuePair<BlobIndexKey, BlobIndexEntry>> Snapshot() =>
        _entries.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.ToEntry())).ToList();

    public ValueTask<bool> CheckpointAsync(CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public void Dispose()
    {
    }

    private sealed class Slot(BlobIndexEntry entry)
    {
        private long _lastAccess = entry.LastAccess.UtcTicks;
        private long _hits = entry.HitCount;

        public long Size { get; } = entry.Size;

        public void Touch(long nowTicks)
        {
            long seen;
            while ((seen = Volatile.Read(ref _lastAccess)) < nowTicks && Interlocked.CompareExchange(ref _lastAccess, nowTicks, seen) != seen)
            {
            }

            Interlocked.Increment(ref _hits);
        }

        public BlobIndexEntry ToEntry() => entry with
        {
            LastAccess = new DateTimeOffset(Volatile.Read(ref _lastAccess), TimeSpan.Zero),
            HitCount = Volatile.Read(ref _hits),
        };
    }
}
