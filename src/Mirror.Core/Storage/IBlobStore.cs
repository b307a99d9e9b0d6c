using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// The content-addressed disk store: committed content only, by digest. Writes go through a
/// <see cref="StagedBlob"/> that is checked before it becomes visible.
/// </summary>
public interface IBlobStore
{
    /// <summary>Opens committed content for reading, or null when it is not stored.</summary>
    StoredBlob? TryOpen(Digest digest);

    /// <summary>Whether committed content exists, and its size.</summary>
    bool TryGetLength(Digest digest, out long length);

    /// <summary>Starts a write to a private temp file; nothing is visible until <see cref="StagedBlob.Commit"/>.</summary>
    /// <param name="expectedLength">When known, the space is reserved up front: a full disk fails here, before any
    /// client was promised bytes from the cache, and the caller can stream uncached instead.</param>
    StagedBlob BeginWrite(Digest digest, long? expectedLength = null);

    /// <summary>Removes committed content. Readers that opened it keep reading.</summary>
    bool Delete(Digest digest);
}
