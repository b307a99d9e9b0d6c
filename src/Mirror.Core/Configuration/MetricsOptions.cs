namespace Mirror.Configuration;

/// <summary>The <c>Mirror:Metrics:</c> section.</summary>
public sealed class MetricsOptions
{
    /// <summary>Serve <c>/metrics</c> on the main port. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A separate port for <c>/metrics</c> (so it need not be exposed with the registry API); null = the main port.
    /// </summary>
    public int? Port { get; set; }

    /// <summary>
    /// prometheus-net's generic HTTP metrics (<c>http_requests_received_total</c>, <c>http_request_duration_seconds</c>,
    /// <c>http_requests_in_progress</c>) for every request. Default false: the registry API is counted by
    /// <c>mirror_requests_total</c> and <c>mirror_request_duration_seconds</c> either way; the generic ones cost a
    /// hit about 4 µs of CPU and ~350 B of allocations (label arrays, a copy of the route values), a quarter of a
    /// manifest hit (docs/benchmarks.md). Nothing Mirror ships (dashboard, alerts) queries them; turn them on for a
    /// Prometheus setup that expects them.
    /// </summary>
    public bool HttpMetrics { get; set; }
}
