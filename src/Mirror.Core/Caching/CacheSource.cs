namespace Mirror.Caching;

/// <summary>Where the bytes of an answer came from; the label of <c>mirror_served_bytes_total{source}</c>.</summary>
public enum CacheSource
{
    /// <summary>The memory tier (HybridCache, or its Redis second level).</summary>
    Memory,

    /// <summary>The disk tier.</summary>
    Disk,

    /// <summary>An upstream, while (or without) filling the cache.</summary>
    Upstream,
}
