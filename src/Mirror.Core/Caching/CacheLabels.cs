namespace Mirror.Caching;

/// <summary>The lower-case names outcomes carry in metrics, headers and logs: one string each, never built per request.</summary>
internal static class CacheLabels
{
    public static string Of(CacheSource source) => source switch
    {
        CacheSource.Memory => "memory",
        CacheSource.Disk => "disk",
        _ => "upstream",
    };

    public static string Of(CacheResult result) => result switch
    {
        CacheResult.Hit => "hit",
        CacheResult.Miss => "miss",
        CacheResult.Coalesced => "coalesced",
        CacheResult.Stale => "stale",
        CacheResult.Forwarded => "forwarded",
        _ => "error",
    };
}
