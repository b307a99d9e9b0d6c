namespace Mirror.Caching;

/// <summary>The lower-case names outcomes carry in metrics, headers and logs: one string each, never built per request.</summary>
internal static class CacheLabels
{
    // "<result> <source>", the X-Mirror-Cache header, for every pair: made here once instead of on every hit.
    private static readonly string[][] Headers = [.. Enum.GetValues<CacheResult>().Select(r => Enum.GetValues<CacheSource>().Select(s => Of(r) + " " + Of(s)).ToArray())];

    /// <summary>The X-Mirror-Cache header value: the result, then where the bytes came from.</summary>
    public static string Header(CacheResult result, CacheSource source) => Headers[(int)result][(int)source];

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
