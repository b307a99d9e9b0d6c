namespace Mirror.Configuration;

/// <summary>The <c>Mirror:</c> section. Every default here is the embedded default documented in README.md.</summary>
public sealed class MirrorOptions
{
    public const string SectionName = "Mirror";

    /// <summary>The cache: where it lives and how large it may grow.</summary>
    public CacheOptions Cache { get; set; } = new();

    /// <summary>The registry that serves requests naming none (Docker's registry-mirrors sends no hint). Default <c>docker.io</c>.</summary>
    public string DefaultUpstream { get; set; } = "docker.io";

    /// <summary>Prometheus metrics.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>
    /// Knobs applied to every upstream before its own section (MaxConcurrentFetches, MaxAttempts, TagTtl…); the
    /// upstream's own keys win. Name and Url here are ignored.
    /// </summary>
    public UpstreamOptions? UpstreamDefaults { get; set; }

    /// <summary>The registries this mirror fronts. When empty, Docker Hub alone.</summary>
    public List<UpstreamOptions> Upstreams { get; set; } = [];

    /// <summary>Access to the <c>/admin/</c> endpoints.</summary>
    public AdminOptions Admin { get; set; } = new();

    /// <summary>Client authentication (<c>Mirror:Auth:</c>).</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>Per-repository access rules (<c>Mirror:Access:</c>).</summary>
    public AccessOptions Access { get; set; } = new();

    /// <summary>Per-client limits (<c>Mirror:Limits:</c>).</summary>
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>Nodes of one region sharing one cache (<c>Mirror:Cluster:</c>, docs/cluster.md).</summary>
    public ClusterOptions Cluster { get; set; } = new();

    /// <summary>Images kept warm on a schedule (<c>Mirror:Prewarm:</c>).</summary>
    public PrewarmOptions Prewarm { get; set; } = new();

    /// <summary>Pull policy: denied repositories and digests, required referrers (<c>Mirror:Policy:</c>).</summary>
    public PolicyOptions Policy { get; set; } = new();
}
