namespace Mirror.Caching;

/// <summary>
/// How copying a blob to a client ended — outcomes as values, as YARP's stream copier reports them, so the handler
/// maps each to what the client must see instead of catching exceptions.
/// </summary>
public enum CopyResult
{
    /// <summary>Every byte asked for was sent, and the content is verified (or was already).</summary>
    Completed,

    /// <summary>The bytes could not be had or were wrong (a failed fill, a digest mismatch, a short file): the client's transfer must be aborted, never ended as if complete.</summary>
    SourceFailed,

    /// <summary>Writing to the client failed: it hung up.</summary>
    ClientGone,

    /// <summary>The copy was cancelled (the request was aborted).</summary>
    Canceled,
}
