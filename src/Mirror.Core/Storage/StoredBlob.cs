namespace Mirror.Storage;

/// <summary>An open handle on committed content; the caller disposes the stream.</summary>
public sealed record StoredBlob(FileStream Stream, long Length);
