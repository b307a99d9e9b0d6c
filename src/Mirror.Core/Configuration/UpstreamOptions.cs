namespace Mirror.Configuration;

/// <summary>One <c>Mirror:Upstreams:&lt;i&gt;:</c> entry: a registry the mirror pulls from.</summary>
public sealed class UpstreamOptions
{
    public const string DockerHub = "docker.io";
    public const string DockerHubUrl = "https://registry-1.docker.io";

    /// <summary>The registry host clients name (<c>docker.io</c>, <c>ghcr.io</c>, <c>registry.k8s.io</c>): matched against <c>?ns=</c> and path prefixes.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Base URL of the registry API. Default <c>https://registry-1.docker.io</c> for docker.io, else <c>https://&lt;Name&gt;</c>.</summary>
    public string? Url { get; set; }

    /// <summary>Basic credentials, sent to the registry and to its token realm.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>A file holding the password (a mounted secret), read at start.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>How long a tag → digest answer is used before a HEAD revalidates it. Default 5 minutes.</summary>
    public TimeSpan TagTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long past its TTL a cached tag may still be served while the upstream fails. Default 24 hours.</summary>
    public TimeSpan MaxStale { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long an upstream 404 for a manifest is remembered, to absorb storms on a missing tag. Default 15 s; 0 disables.</summary>
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Whether pushes (uploads, manifest PUT, DELETE) are forwarded. Default false: 405 UNSUPPORTED.</summary>
    public bool AllowPush { get; set; }

    /// <summary>Prefer the client's own Authorization header over the configured credentials. Default false.</summary>
    public bool ForwardClientAuthorization { get; set; }

    /// <summary>Token realm hosts, besides the registry's own domain, that may receive the configured credentials.</summary>
    public List<string> TokenRealmAllowList { get; set; } = [];

    /// <summary>How long opening a connection may take before the upstream counts as unreachable. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for response headers once a request is sent. Default 30 s.</summary>
    public TimeSpan ResponseHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A body that sends no byte for this long is broken. Default 30 s.</summary>
    public TimeSpan BodyIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Bulkhead: upstream requests (including blob bodies being downloaded) in flight at once for this upstream.
    /// Default 32. Lower it for a registry that rate-limits per connection; raise it for a fast private registry.
    /// </summary>
    public int MaxConcurrentFetches { get; set; } = 32;

    /// <summary>Requests that may wait for a fetch slot; beyond this a client gets 429 TOOMANYREQUESTS. Default 1000.</summary>
    public int MaxQueuedFetches { get; set; } = 1000;

    /// <summary>Attempts per upstream request (first try included), with exponential backoff and jitter. Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First retry delay; doubles per attempt (with jitter). Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Cap on one retry delay, Retry-After included: a longer Retry-After ends the retries. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Circuit breaker: the failure ratio over <see cref="BreakerSamplingDuration"/> that opens it. Default 0.5.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Circuit breaker: requests needed in the sampling window before it may open. Default 10.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>Circuit breaker: the window failures are counted over. Default 30 s.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Circuit breaker: how long it stays open before one half-open probe. Default 15 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The longest one upstream request may take to its response headers, all attempts and retry delays included
    /// (an upstream that never answers costs a client this, not ResponseHeadersTimeout × MaxAttempts). Default 60 s.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Hosts the upstream may redirect to (or name as token realm) even when they resolve to private, loopback or
    /// link-local addresses. By default only public addresses are followed, plus the upstream's own kind of network.
    /// </summary>
    public List<string> RedirectAllowList { get; set; } = [];

    /// <summary>
    /// With <see cref="ForwardClientAuthorization"/>: how long the upstream's answer to "may this credential read this
    /// content?" is remembered before cached content is served to that credential again. Default 60 s.
    /// </summary>
    public TimeSpan AccessCheckTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many times a blob download that breaks mid-body is resumed with a Range request. Default 3.</summary>
    public int MaxResumes { get; set; } = 3;

    /// <summary>
    /// The upstream is another Mirror (an edge in front of a regional mirror): requests carry <c>?ns=&lt;Name&gt;</c> so
    /// it routes them to the same registry. Default false.
    /// </summary>
    public bool IsMirror { get; set; }

    /// <summary>The URL the mirror really uses: <see cref="Url"/>, or the default for <see cref="Name"/>.</summary>
    public Uri EffectiveUrl => new(Url is { Length: > 0 } url
        ? url.TrimEnd('/')
        : Name == DockerHub ? DockerHubUrl : "https://" + Name);
}
