namespace Mirror.Storage;

/// <summary>What the index knows about one stored file. Times are UTC; <see cref="HitCount"/> counts served hits.</summary>
public readonly record struct BlobIndexEntry(long Size, DateTimeOffset StoredAt, DateTimeOffset LastAccess, long HitCount);
