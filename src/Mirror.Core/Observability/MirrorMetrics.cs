using Mirror.Caching;
using Prometheus;

namespace Mirror.Observability;

/// <summary>
/// Every <c>mirror_*</c> metric, declared here and nowhere else. Labels have few values — never a digest or a
/// repository: <c>kind</c> (manifest|blob|other), <c>result</c> (hit|miss|coalesced|stale|forwarded|error), <c>source</c>
/// (memory|disk|upstream), <c>upstream</c> (configured names), <c>status</c> (2xx|3xx|4xx|5xx|error).
/// </summary>
public static class MirrorMetrics
{
    // Runs before the first scrape can (the static fields below only create collectors).
    static MirrorMetrics() => KeepOnlyRuntimeInstruments();

    public static readonly string[] Kinds = ["manifest", "blob", "referrers", "other"];
    public static readonly string[] Results = ["hit", "miss", "coalesced", "stale", "forwarded", "error"];
    public static readonly string[] Sources = ["memory", "disk", "upstream"];
    public static readonly string[] StatusClasses = ["2xx", "3xx", "4xx", "5xx", "error"];

    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    public static readonly Counter Requests = Metrics.CreateCounter(
        "mirror_requests_total", "Registry API requests by kind and cache result.", "kind", "result");

    public static readonly Histogram RequestDuration = Metrics.CreateHistogram(
        "mirror_request_duration_seconds", "Time to answer a registry API request (whole body sent).",
        new HistogramConfiguration { LabelNames = ["kind"], Buckets = LatencyBuckets });

    public static readonly Counter ServedBytes = Metrics.CreateCounter(
        "mirror_served_bytes_total", "Body bytes sent to clients, by where they came from.", "source");

    // Children resolved once, for the per-request counts: WithLabels allocates a label array and hashes every label
    // on each call. Indexed by kind (Kinds), CacheResult and CacheSource, whose orders match Results and Sources.
    private static readonly Counter.Child[][] RequestChildren = [.. Kinds.Select(k => Results.Select(r => Requests.WithLabels(k, r)).ToArray())];
    private static readonly Histogram.Child[] DurationChildren = [.. Kinds.Select(k => RequestDuration.WithLabels(k))];
    private static readonly Counter.Child[] ServedChildren = [.. Sources.Select(s => ServedBytes.WithLabels(s))];

    public static readonly Counter UpstreamRequests = Metrics.CreateCounter(
        "mirror_upstream_requests_total", "Requests the mirror sent to upstream registries, by status class.", "upstream", "status");

    public static readonly Histogram UpstreamTimeToFirstByte = Metrics.CreateHistogram(
        "mirror_upstream_ttfb_seconds", "Time from sending an upstream request to its response headers.",
        new HistogramConfiguration { LabelNames = ["upstream"], Buckets = LatencyBuckets });

    public static readonly Histogram UpstreamFillDuration = Metrics.CreateHistogram(
        "mirror_upstream_fill_duration_seconds", "Time to download and verify one blob from an upstream.",
        new HistogramConfiguration { LabelNames = ["upstream"], Buckets = LatencyBuckets });

    public static readonly Counter UpstreamBytes = Metrics.CreateCounter(
        "mirror_upstream_bytes_total", "Blob bytes downloaded from upstream registries.", "upstream");

    public static readonly Counter UpstreamRetries = Metrics.CreateCounter(
        "mirror_upstream_retries_total", "Upstream requests retried or blob downloads resumed.", "upstream");

    public static readonly Gauge UpstreamBreakerState = Metrics.CreateGauge(
        "mirror_upstream_breaker_state", "Circuit breaker per upstream: 0 closed, 1 half-open, 2 open.", "upstream");

    public static readonly Gauge UpstreamRateLimit = Metrics.CreateGauge(
        "mirror_upstream_ratelimit_limit", "Pulls the upstream allows per window (its ratelimit-limit header; NaN until it sends one).", "upstream");

    public static readonly Gauge UpstreamRateLimitRemaining = Metrics.CreateGauge(
        "mirror_upstream_ratelimit_remaining", "Pulls left in the upstream's current window (its ratelimit-remaining header; NaN until it sends one).", "upstream");

    public static readonly Counter Fills = Metrics.CreateCounter(
        "mirror_fills_total", "Blob fills by outcome.", "outcome");

    public static readonly Gauge FillsInFlight = Metrics.CreateGauge(
        "mirror_fills_in_flight", "Blob downloads from upstreams running now.");

    public static readonly Gauge CoalescedWaiters = Metrics.CreateGauge(
        "mirror_coalesced_waiters", "Clients streaming from a fill that another request started.");

    public static readonly Gauge CacheBytes = Metrics.CreateGauge(
        "mirror_cache_bytes", "Bytes held per cache tier.", "tier");

    public static readonly Gauge CacheEntries = Metrics.CreateGauge(
        "mirror_cache_entries", "Entries held per cache tier.", "tier");

    public static readonly Gauge CacheMaxBytes = Metrics.CreateGauge(
        "mirror_cache_max_bytes", "Configured size bound per cache tier (0 = unbounded).", "tier");

    public static readonly Counter Evictions = Metrics.CreateCounter(
        "mirror_evictions_total", "Entries evicted from a cache tier.", "tier");

    /// <summary>
    /// Peer requests by outcome. Asking side: relayed (the owner answered), failover (unreachable or broken: the next
    /// candidate was tried), loop (the peer was relaying it itself and refused). Answering side: served, refused
    /// (no or wrong secret).
    /// </summary>
    public static readonly string[] PeerResults = ["relayed", "failover", "loop", "served", "refused"];

    public static readonly Counter PeerRequests = Metrics.CreateCounter("mirror_peer_requests_total", "Requests between cluster nodes, by outcome (docs/cluster.md).", "result");

    public static readonly Counter PeerBytes = Metrics.CreateCounter("mirror_peer_bytes_total", "Body bytes between cluster nodes: in = received from an owner, out = sent to a peer.", "direction");

    public static readonly Gauge ClusterMembers = Metrics.CreateGauge("mirror_cluster_members", "Cluster members this node knows, by state (live, down).", "state");

    public static readonly Counter PolicyDenials = Metrics.CreateCounter(
        "mirror_policy_denials_total", "Pulls refused by Mirror:Policy, by the policy that refused them.", "policy");

    /// <summary>One registry request answered: <c>mirror_requests_total</c> and <c>mirror_request_duration_seconds</c>.</summary>
    /// <param name="kind">The index of its kind in <see cref="Kinds"/>.</param>
    public static void RequestAnswered(int kind, CacheResult result, double seconds)
    {
        RequestChildren[kind][(int)result].Inc();
        DurationChildren[kind].Observe(seconds);
    }

    /// <summary>Body bytes sent to a client: <c>mirror_served_bytes_total</c>.</summary>
    public static void BytesServed(CacheSource source, long bytes) => ServedChildren[(int)source].Inc(bytes);

    private static Action? _collector;
    private static int _callbackRegistered;

    /// <summary>
    /// Sets what refreshes the gauges before each scrape. One process serves one mirror, so the latest host's
    /// collector replaces any earlier one (test hosts come and go in one process).
    /// </summary>
    public static void SetCollector(Action collector)
    {
        Volatile.Write(ref _collector, collector);
        if (Interlocked.Exchange(ref _callbackRegistered, 1) == 0)
        {
            Metrics.DefaultRegistry.AddBeforeCollectCallback(() => Volatile.Read(ref _collector)?.Invoke());
        }
    }

    /// <summary>
    /// prometheus-net also republishes .NET's own instruments, from the first scrape on: every Meter (ASP.NET Core's and
    /// Kestrel's record measurements on every request, each a label-set lookup under a lock in the adapter) and the
    /// counters of every EventSource (enabling Microsoft.AspNetCore.Hosting and Kestrel for their counters turns their
    /// per-request events on as well). Together about 10 µs of CPU per request — more than serving a manifest hit
    /// (docs/benchmarks.md). Only the runtime's own are kept (GC, thread pool, JIT, lock contention: polled, nothing
    /// per request); the registry API is measured by the <c>mirror_*</c> metrics.
    /// </summary>
    private static void KeepOnlyRuntimeInstruments()
    {
        Metrics.ConfigureEventCounterAdapter(adapter => adapter.EventSourceFilterPredicate = source => source == RuntimeSource);
        Metrics.ConfigureMeterAdapter(adapter => adapter.InstrumentFilterPredicate = instrument => instrument.Meter.Name == RuntimeSource);
    }

    private const string RuntimeSource = "System.Runtime";

    /// <summary>Creates every label combination at 0, so dashboards and rate() see series from the first scrape.</summary>
    public static void Publish(IEnumerable<string> upstreams)
    {
        foreach (var kind in Kinds)
        {
            RequestDuration.WithLabels(kind);
            foreach (var result in Results)
            {
                Requests.WithLabels(kind, result);
            }
        }

        foreach (var source in Sources)
        {
            ServedBytes.WithLabels(source);
        }

        foreach (var upstream in upstreams)
        {
            foreach (var status in StatusClasses)
            {
                UpstreamRequests.WithLabels(upstream, status);
            }

            UpstreamTimeToFirstByte.WithLabels(upstream);
            UpstreamFillDuration.WithLabels(upstream);
            UpstreamBytes.WithLabels(upstream);
            UpstreamRetries.WithLabels(upstream);
            UpstreamBreakerState.WithLabels(upstream);

            // Not 0: "no budget left" must not be what an upstream that never sends the headers looks like.
            UpstreamRateLimit.WithLabels(upstream).Set(double.NaN);
            UpstreamRateLimitRemaining.WithLabels(upstream).Set(double.NaN);
        }

        foreach (var result in PeerResults)
        {
            PeerRequests.WithLabels(result);
        }

        foreach (var direction in new[] { "in", "out" })
        {
            PeerBytes.WithLabels(direction);
        }

        foreach (var state in new[] { "live", "down" })
        {
            ClusterMembers.WithLabels(state);
        }

        foreach (var policy in new[] { "DenyRepositories", "DenyDigestsFile", "RequireReferrer" })
        {
            PolicyDenials.WithLabels(policy);
        }

        foreach (var outcome in new[] { "committed", "failed" })
        {
            Fills.WithLabels(outcome);
        }

        foreach (var tier in new[] { "memory", "disk" })
        {
            CacheBytes.WithLabels(tier);
            CacheEntries.WithLabels(tier);
            CacheMaxBytes.WithLabels(tier);
            Evictions.WithLabels(tier);
        }
    }

    public static string StatusClass(int status) => status switch
    {
        >= 200 and < 300 => "2xx",
        >= 300 and < 400 => "3xx",
        >= 400 and < 500 => "4xx",
        >= 500 and < 600 => "5xx",
        _ => "error",
    };
}
