namespace Mirror.Caching;

/// <summary>How a request was answered; the label of <c>mirror_requests_total{result}</c>.</summary>
public enum CacheResult
{
    /// <summary>From the cache, without asking the upstream (or after a HEAD said it is unchanged).</summary>
    Hit,

    /// <summary>This request started the upstream fetch.</summary>
    Miss,

    /// <summary>Joined an upstream fetch another request had started.</summary>
    Coalesced,

    /// <summary>A cached tag served past its TTL because the upstream failed.</summary>
    Stale,

    /// <summary>Not a cache question: forwarded to the upstream as it is (pushes, tag lists, the catalog).</summary>
    Forwarded,

    /// <summary>Answered with an error.</summary>
    Error,
}
