namespace Mirror.Storage;

/// <summary>
/// The disk tier's bookkeeping: one entry per stored file (blob or manifest) with its size, when it was stored,
/// when it was last served and how often. Eviction, prune and the admin API read it; the stores keep it current.
/// </summary>
/// <remarks>
/// Implementations are thread-safe. <see cref="Touch"/> is on every cache hit and must stay cheap (no allocation,
/// no I/O in the common case). The index is advisory: the files are the truth, and a start reconciles the two.
/// </remarks>
public interface IBlobIndex : IDisposable
{
    /// <summary>Entries in the index.</summary>
    long Count { get; }

    /// <summary>Sum of <see cref="BlobIndexEntry.Size"/> over all entries.</summary>
    long TotalBytes { get; }

    /// <summary>Whether the index came back from its persisted state at start (always false for an in-memory index).</summary>
    bool Recovered { get; }

    bool TryGet(BlobIndexKey key, out BlobIndexEntry entry);

    /// <summary>Adds or replaces an entry.</summary>
    void Upsert(BlobIndexKey key, BlobIndexEntry entry);

    /// <summary>Records a hit: last access = max(last access, <paramref name="now"/>), hit count + 1. False when absent.</summary>
    bool Touch(BlobIndexKey key, DateTimeOffset now);

    /// <summary>Removes an entry; false when absent.</summary>
    bool Remove(BlobIndexKey key);

    /// <summary>A point-in-time copy of every entry (for eviction, prune, reconciliation and the admin API).</summary>
    IReadOnlyList<KeyValuePair<BlobIndexKey, BlobIndexEntry>> Snapshot();

    /// <summary>Persists the index (no-op for an in-memory index). False when nothing was written.</summary>
    ValueTask<bool> CheckpointAsync(CancellationToken cancellationToken);
}
