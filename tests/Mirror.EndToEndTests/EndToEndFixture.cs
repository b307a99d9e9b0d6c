namespace Mirror.EndToEndTests;

/// <summary>
/// Started once for the whole collection: a temp folder, the upstream registry seeded with test images, and the
/// mirror under test pointed at it through a relay that can slow the upstream down. Client daemons (dockerd,
/// containerd) belong to the test that needs them.
/// <code>
///   clients ──► mirror (Mirror.Server | docker-registry proxy) ──► ThrottlingRelay ──► upstream docker-registry
///
///   /tmp/me2e-xxxxxxxx/  up1/ (upstream data)  skopeo2/  images3/ (OCI layouts)  mirror4/ (cache)  &lt;per test&gt;
/// </code>
/// Images: one cold image per client, so every client exercises the mirror's fill path itself; one image all clients
/// share (so later clients get cache hits); one multi-arch index; one image only the concurrency test touches.
/// </summary>
public sealed class EndToEndFixture(IMessageSink diagnostics) : ProcessFixture(diagnostics, "end-to-end")
{
    internal const string SkopeoClientName = "skopeo";
    internal const string DockerClientName = "docker";
    internal const string PodmanClientName = "podman";
    internal const string ContainerdClientName = "containerd";

    private static readonly string[] ClientNames = [SkopeoClientName, DockerClientName, PodmanClientName, ContainerdClientName];

    private readonly Dictionary<string, TestImage> _coldImages = [];
    private MirrorTarget _target;

    internal UpstreamRegistry Upstream { get; private set; } = null!;

    /// <summary>Sits between the mirror and the upstream; tests can slow the upstream down with it.</summary>
    internal ThrottlingRelay UpstreamRelay { get; private set; } = null!;

    internal MirrorProcess Mirror { get; private set; } = null!;

    internal SkopeoClient Skopeo { get; private set; } = null!;

    /// <summary><c>library/e2e:1</c>, two layers, pulled by every client.</summary>
    internal TestImage SharedImage { get; private set; } = null!;

    /// <summary><c>library/e2e-multi:1</c>, an OCI index over linux/amd64 and linux/arm64.</summary>
    internal TestImage MultiArchImage { get; private set; } = null!;

    /// <summary><c>library/prewarm-multi:1</c>, an OCI index only the prewarm test touches — cold when it starts.</summary>
    internal TestImage PrewarmImage { get; private set; } = null!;

    /// <summary><c>library/burst:1</c>, three layers, only for the concurrency test — cold when it starts.</summary>
    internal TestImage BurstImage { get; private set; } = null!;

    private protected override TimeSpan SetupTimeout => TimeSpan.FromMinutes(3);

    /// <summary><c>library/cold-&lt;client&gt;:1</c>: nobody else pulls it, so it is a cache miss for that client.</summary>
    internal TestImage ColdImageFor(string client) => _coldImages[client];

    /// <summary>Both servers' recent log lines, for a failing test's output.</summary>
    internal string DescribeServers() =>
        $"{Mirror?.Describe() ?? "mirror not started"}\n\n{Upstream?.Describe(20) ?? "upstream not started"}";

    private protected override void CheckTools()
    {
        _target = MirrorProcess.TargetFromEnvironment();
        MirrorProcess.EnsureAvailable(_target);
        _ = RequiredTool.DockerRegistry.Resolve();
        _ = RequiredTool.Skopeo.Resolve();
        _ = RequiredTool.Umoci.Resolve();
    }

    private protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        Log($"target {_target}");
        Upstream = Started(await UpstreamRegistry.StartAsync(Temp.CreateSubdirectory("up"), cancellationToken));
        LogStep($"upstream docker-registry on {Upstream.HostPort}");

        Skopeo = SkopeoClient.Create(Temp.CreateSubdirectory("skopeo"));
        var builder = new TestImageBuilder(Temp.CreateSubdirectory("images"), Upstream, Skopeo);
        SharedImage = await builder.BuildAndPushAsync("library/e2e", "1", [3 * MiB, 1 * MiB], cancellationToken);
        MultiArchImage = await builder.BuildAndPushMultiArchAsync("library/e2e-multi", "1", [1 * MiB], cancellationToken);
        BurstImage = await builder.BuildAndPushAsync("library/burst", "1", [4 * MiB, 2 * MiB, 1 * MiB], cancellationToken);
        PrewarmImage = await builder.BuildAndPushMultiArchAsync("library/prewarm-multi", "1", [1 * MiB, 512 * 1024], cancellationToken);
        foreach (var client in ClientNames)
        {
            _coldImages[client] = await builder.BuildAndPushAsync($"library/cold-{client}", "1", [2 * MiB, 1 * MiB], cancellationToken);
        }

        LogStep($"built and pushed {4 + _coldImages.Count} images");

        UpstreamRelay = Started(new ThrottlingRelay(Upstream.BaseUri));
        Mirror = Started(await MirrorProcess.StartAsync(_target, UpstreamRelay.BaseUri, Temp.CreateSubdirectory("mirror"), cancellationToken));
        LogStep($"mirror ({_target}) ready on {Mirror.HostPort}");
    }
}
