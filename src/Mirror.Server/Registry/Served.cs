using Mirror.Caching;

namespace Mirror.Server.Registry;

/// <summary>
/// What a registry request came to: its cache result for the metrics, and for the request log line (event 4001)
/// where its bytes came from, how many body bytes were sent, and which upstream it was routed to.
/// </summary>
/// <param name="Bytes">Body bytes sent in full (0 for a HEAD, an error, or a transfer that did not complete).</param>
/// <param name="Upstream">The configured upstream name, null when the request was not routed to one.</param>
internal readonly record struct Served(CacheResult Result, CacheSource? Source = null, long Bytes = 0, string? Upstream = null)
{
    /// <summary>An answer that is only a result (an error before routing, the base endpoint).</summary>
    public static implicit operator Served(CacheResult result) => new(result);
}
