namespace Mirror.EndToEndTests;

/// <summary>
/// The upstream side for <see cref="MirrorCrashTests"/>: one docker-registry and a rate-limited nginx in front of it.
/// The tests start (and SIGKILL, and restart) their own Mirror.Server processes on cache folders they keep:
/// <code>
///                       ┌─ docker.io (default) ──────────────────────────────► upstream docker-registry
///   raw GETs ──► mirror ┤                                                         ▲ (never killed here)
///   (killed, restarted) └─ /v2/slow.test/… ──► nginx, limit_rate 8m ─────────────┘
/// </code>
/// Seeded straight into the registry over HTTP (no umoci or skopeo needed): a 24 MiB random blob (through slow.test a
/// fill takes ~3 s, so the mirror can be killed mid-fill), a small image <c>library/crash-small:1</c> (config + one
/// 1 MiB layer, an OCI manifest) that is warm before the crash, and two random blobs for the kill-after-commit test.
/// </summary>
public sealed class MirrorCrashFixture(IMessageSink diagnostics) : ProcessFixture(diagnostics, "mirror-crash")
{
    internal const string DockerHub = "docker.io";
    internal const string SlowRegistry = "slow.test";

    /// <summary>nginx <c>limit_rate</c>: 8 MiB/s per connection, so the 24 MiB blob takes ~3 s.</summary>
    internal const string NginxRate = "8m";

    internal const int BigBlobSize = 24 * MiB;
    internal const string OciManifest = "application/vnd.oci.image.manifest.v1+json";


    internal UpstreamRegistry Upstream { get; private set; } = null!;

    internal ThrottlingNginx Nginx { get; private set; } = null!;

    /// <summary>24 MiB through slow.test (nginx): the fill the mid-fill test kills.</summary>
    internal FaultBlob BigBlob { get; private set; } = null!;

    /// <summary><c>library/crash-small:1</c> on docker.io: pulled warm before the mid-fill crash.</summary>
    internal SmallImage Small { get; private set; } = null!;

    /// <summary>2 MiB on docker.io: cached, then the mirror is stopped gracefully (so the index has a checkpoint).</summary>
    internal FaultBlob CheckpointedBlob { get; private set; } = null!;

    /// <summary>8 MiB on docker.io: the mirror is SIGKILLed the moment its client has the last byte.</summary>
    internal FaultBlob CommittedBlob { get; private set; } = null!;

    /// <summary>
    /// A Mirror.Server with docker.io (direct) and slow.test (nginx), its cache in <c>&lt;directory&gt;/cache</c>.
    /// Called again with the same <paramref name="directory"/> it restarts on the same cache (on a new port).
    /// Default tuning otherwise: the index checkpoints every 60 s and at shutdown, so a SIGKILL leaves none behind.
    /// </summary>
    internal Task<MirrorProcess> StartMirrorAsync(string directory, CancellationToken cancellationToken) =>
        MirrorProcess.StartServerAsync(
            [
                new MirrorUpstream(DockerHub, Upstream.BaseUri),
                new MirrorUpstream(SlowRegistry, Nginx.BaseUri),
            ],
            defaultUpstream: DockerHub,
            directory,
            extraArguments: [],
            cancellationToken);

    /// <summary>The upstream's and nginx's recent log lines, for a failing test's output.</summary>
    internal string DescribeUpstreams() =>
        string.Join("\n\n",
            Nginx?.Describe(15) ?? "nginx not started",
            Upstream?.Describe(20) ?? "upstream not started");

    private protected override void CheckTools()
    {
        MirrorProcess.EnsureAvailable(MirrorTarget.Mirror);
        _ = RequiredTool.DockerRegistry.Resolve();
        _ = RequiredTool.Nginx.Resolve();
    }

    private protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        (Upstream, Nginx) = await StartRegistryBehindNginxAsync("upstream docker-registry", NginxRate, cancellationToken);

        var registry = Upstream.BaseUri;
        BigBlob = await BlobSeeder.UploadRandomAsync(registry, SlowRegistry, "library/crash-big", BigBlobSize, cancellationToken);
        Small = await BlobSeeder.PushSmallImageAsync(registry, DockerHub, "library/crash-small", "1", cancellationToken);
        CheckpointedBlob = await BlobSeeder.UploadRandomAsync(registry, DockerHub, "library/crash-warm", 2 * MiB, cancellationToken);
        CommittedBlob = await BlobSeeder.UploadRandomAsync(registry, DockerHub, "library/crash-warm", 8 * MiB, cancellationToken);
        LogStep($"uploaded {BigBlobSize / MiB} MiB + 2 + 8 MiB blobs and library/crash-small:1");
    }
}
