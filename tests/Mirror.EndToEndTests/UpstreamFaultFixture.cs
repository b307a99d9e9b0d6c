namespace Mirror.EndToEndTests;

/// <summary>
/// One Mirror.Server with short resilience tuning in front of one docker-registry that the tests kill and restart
/// (same port, same storage), for <see cref="UpstreamFaultTests"/>. Its own temp folder, registry and mirror:
/// <code>
///              ┌─ docker.io (default) ───────────────────────────────────────────► upstream docker-registry
///   clients ──►│                                                                   (KillAsync / RestartAsync)
///   (mirror)   ├─ /v2/resume.test/…  ──► nginx limit_rate 8m (kill / freeze) ──►      ▲ same registry
///              └─ /v2/fragile.test/… ──► nginx (the same one) ────────────────────────┘
/// </code>
/// The three upstream names are routing keys for one registry, each with its own tuning (and its own connection
/// pool, retry pipeline and circuit breaker in the mirror):
/// <list type="bullet">
/// <item>docker.io: TagTtl 1 s, 2 attempts 100 ms apart, breaker open 2 s after 10 failures — a dead upstream is
/// noticed in a fraction of a second.</item>
/// <item>resume.test: 8 attempts from 100 ms, doubling (≈ 1.5 s after 4, ≈ 3 s after 5, with jitter): a Range resume
/// can wait out a ~1 s outage. BodyIdleTimeout 2 s.</item>
/// <item>fragile.test: 2 attempts 100 ms apart, like docker.io: a resume cannot outlast a ~1 s outage.</item>
/// </list>
/// Seeded images: <c>library/warm:1</c> (pulled warm, then served with the upstream dead), <c>library/never:1</c>
/// (never pulled through the mirror), <c>library/later</c> built but pushed only by the restart test, and three
/// 24 MiB random blobs, one per mid-blob test, each in a repository of its own.
/// </summary>
public sealed class UpstreamFaultFixture(IMessageSink diagnostics) : ProcessFixture(diagnostics, "upstream-fault")
{
    internal const string DockerHub = "docker.io";
    internal const string ResumeRegistry = "resume.test";
    internal const string FragileRegistry = "fragile.test";

    /// <summary>nginx <c>limit_rate</c>: 8 MiB/s per connection, so a 24 MiB blob takes 3 s.</summary>
    internal const string NginxRate = "8m";

    internal const int BigBlobSize = 24 * MiB;


    /// <summary>docker.io's tag TTL: after it, a tag is revalidated with a HEAD, and served stale if that fails.</summary>
    internal static TimeSpan TagTtl { get; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an opened breaker refuses before one half-open probe (every upstream).</summary>
    internal static TimeSpan BreakDuration { get; } = TimeSpan.FromSeconds(2);

    /// <summary>A body silent this long is broken and resumed (every upstream).</summary>
    internal static TimeSpan BodyIdleTimeout { get; } = TimeSpan.FromSeconds(2);

    internal UpstreamRegistry Upstream { get; private set; } = null!;

    internal ThrottlingNginx Nginx { get; private set; } = null!;

    internal MirrorProcess Mirror { get; private set; } = null!;

    internal SkopeoClient Skopeo { get; private set; } = null!;

    /// <summary>Pushes straight to the upstream, past the mirror.</summary>
    internal TestImageBuilder Builder { get; private set; } = null!;

    /// <summary><c>library/warm:1</c> on docker.io: the stale-serving test pulls it warm, then kills the upstream.</summary>
    internal TestImage WarmImage { get; private set; } = null!;

    /// <summary><c>library/never:1</c> on docker.io: on the upstream, never pulled through the mirror.</summary>
    internal TestImage NeverImage { get; private set; } = null!;

    /// <summary>Built, not pushed: the restart test pushes it as <c>library/later:1</c> while the mirror runs.</summary>
    internal LayoutImage LaterImage { get; private set; } = null!;

    /// <summary>24 MiB through resume.test; nginx killed mid-body and back after ~1 s.</summary>
    internal FaultBlob KillResumeBlob { get; private set; } = null!;

    /// <summary>24 MiB through fragile.test; nginx killed mid-body and back after ~1 s, longer than its retries.</summary>
    internal FaultBlob KillAbortBlob { get; private set; } = null!;

    /// <summary>24 MiB through resume.test; nginx frozen mid-body for longer than BodyIdleTimeout.</summary>
    internal FaultBlob StallBlob { get; private set; } = null!;

    private protected override void CheckTools()
    {
        MirrorProcess.EnsureAvailable(MirrorTarget.Mirror);
        _ = RequiredTool.DockerRegistry.Resolve();
        _ = RequiredTool.Skopeo.Resolve();
        _ = RequiredTool.Umoci.Resolve();
        _ = RequiredTool.Nginx.Resolve();
    }

    private protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        (Upstream, Nginx) = await StartRegistryBehindNginxAsync("upstream docker-registry (killable)", NginxRate, cancellationToken);

        Skopeo = SkopeoClient.Create(Temp.CreateSubdirectory("skopeo"));
        Builder = new TestImageBuilder(Temp.CreateSubdirectory("images"), Upstream, Skopeo);
        WarmImage = await Builder.BuildAndPushAsync("library/warm", "1", [1 * MiB, 512 * 1024], cancellationToken);
        NeverImage = await Builder.BuildAndPushAsync("library/never", "1", [512 * 1024], cancellationToken);
        LaterImage = await Builder.BuildAsync("later", [512 * 1024], cancellationToken);
        KillResumeBlob = await BlobSeeder.UploadRandomAsync(Upstream.BaseUri, ResumeRegistry, "library/big-kill-resume", BigBlobSize, cancellationToken);
        KillAbortBlob = await BlobSeeder.UploadRandomAsync(Upstream.BaseUri, FragileRegistry, "library/big-kill-abort", BigBlobSize, cancellationToken);
        StallBlob = await BlobSeeder.UploadRandomAsync(Upstream.BaseUri, ResumeRegistry, "library/big-stall", BigBlobSize, cancellationToken);
        LogStep($"built 3 images (pushed 2) and uploaded 3 x {BigBlobSize / MiB} MiB blobs");

        Mirror = Started(await MirrorProcess.StartServerAsync(
            [
                new MirrorUpstream(DockerHub, Upstream.BaseUri, TagTtl: TagTtl),
                new MirrorUpstream(ResumeRegistry, Nginx.BaseUri),
                new MirrorUpstream(FragileRegistry, Nginx.BaseUri),
            ],
            defaultUpstream: DockerHub,
            Temp.CreateSubdirectory("mirror"),
            [
                .. Tuning(0, maxAttempts: 2),
                .. Tuning(1, maxAttempts: 8),
                .. Tuning(2, maxAttempts: 2),
            ],
            cancellationToken));
        LogStep($"mirror ready on {Mirror.HostPort}");
    }

    /// <summary>Brings back whatever an earlier test left dead (each test also restores what it breaks).</summary>
    internal async Task EnsureAllRunningAsync(CancellationToken cancellationToken)
    {
        Nginx.Thaw();
        await Upstream.RestartAsync(cancellationToken);
        await Nginx.RestartAsync(cancellationToken);
    }

    /// <summary>The mirror's, nginx's and the upstream's recent log lines, for a failing test's output.</summary>
    internal string DescribeServers() =>
        string.Join("\n\n",
            Mirror?.Describe(60) ?? "mirror not started",
            Nginx?.Describe(15) ?? "nginx not started",
            Upstream?.Describe(20) ?? "upstream not started");

    /// <summary>Short resilience settings for <c>Mirror:Upstreams:&lt;index&gt;</c>, so a fault shows in seconds.</summary>
    private static IEnumerable<string> Tuning(int index, int maxAttempts)
    {
        var at = $"--Mirror:Upstreams:{index}";
        return
        [
            $"{at}:MaxAttempts={maxAttempts}",
            $"{at}:RetryDelay=00:00:00.100",
            $"{at}:BodyIdleTimeout={BodyIdleTimeout:c}",
            $"{at}:BreakDuration={BreakDuration:c}",
            $"{at}:ConnectTimeout=00:00:02",
            $"{at}:ResponseHeadersTimeout=00:00:10",
        ];
    }
}
