namespace Mirror.Caching;

/// <summary>Where a blob fill stands.</summary>
internal enum FillOutcome
{
    /// <summary>Bytes are still arriving.</summary>
    Running,

    /// <summary>All bytes arrived, the digest matched, the blob is in the store.</summary>
    Committed,

    /// <summary>The upstream failed, the body was short or the digest did not match: nothing was stored.</summary>
    Failed,
}
