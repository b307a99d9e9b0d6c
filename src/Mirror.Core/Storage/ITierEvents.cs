using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// What the stores tell the disk tier: content committed, served, removed, being written, a write that failed.
/// The stores stay ignorant of sizes and policy; a bare store (tests, tools) uses <see cref="None"/>.
/// </summary>
public interface ITierEvents
{
    /// <summary>Events nobody listens to.</summary>
    static ITierEvents None { get; } = new NoTierEvents();

    /// <summary>The bytes the tier may hold (0 = unbounded): a blob claiming more can never be stored.</summary>
    long MaxBytes { get; }

    void Committed(BlobIndexKey key, long size = -1);

    void Hit(BlobIndexKey key, long size = -1);

    void Removed(BlobIndexKey key);

    void WriteStarted(Digest digest);

    void WriteEnded(Digest digest);

    void WriteFailed(string operation, Exception error);

    /// <summary>
    /// Asks to be told when the tier has deleted a blob's file itself (eviction): the store closes what it keeps open
    /// for it, so that no handle holds the space the tier believes it freed. Told after the delete, so that a handle
    /// kept in between is still dropped (the store re-checks the path after keeping one).
    /// </summary>
    void OnBlobDeleted(Action<Digest> deleted)
    {
    }

    private sealed class NoTierEvents : ITierEvents
    {
        public long MaxBytes => 0;

        public void Committed(BlobIndexKey key, long size = -1)
        {
        }

        public void Hit(BlobIndexKey key, long size = -1)
        {
        }

        public void Removed(BlobIndexKey key)
        {
        }

        public void WriteStarted(Digest digest)
        {
        }

        public void WriteEnded(Digest digest)
        {
        }

        public void WriteFailed(string operation, Exception error)
        {
        }
    }
}
