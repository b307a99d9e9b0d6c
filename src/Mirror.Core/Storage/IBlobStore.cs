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
    StagedBlob BeginWrite(Digest digest);

    /// <summary>Removes committed content. Readers that opened it keep reading.</summary>
    bool Delete(Digest digest);
}
