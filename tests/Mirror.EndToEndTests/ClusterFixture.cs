using System.Text.Json;

namespace Mirror.EndToEndTests;

/// <summary>
/// A regional cluster on loopback: three Mirror.Server nodes (static Peers, one secret), a round-robin nginx in front
/// of them, and one docker-registry behind a throttled nginx link that every node's docker.io goes through:
/// <code>
///   clients ──► nginx LB (round robin, /_mirror/ closed) ──► node 0 │ node 1 │ node 2   (peer route between them)
///                                                                  └──────┬───────┘
///                                                        nginx, limit_rate 25m per connection
///                                                                         ▼
///                                                              upstream docker-registry (access log = fetch count)
/// </code>
/// Seeded over HTTP: two 100 MiB random blobs (the 30-client storm, the owner killed mid-stream; ~4 s each through the
/// link), 60 blobs of 64 KiB (warm, kill a node, pull again) and a minimal OCI image for skopeo; with umoci and skopeo
/// one real two-layer image for dockerd. Nodes can be SIGKILLed and restarted on their port and cache folder.
/// </summary>
public sealed class ClusterFixture(IMessageSink diagnostics) : ProcessFixture(diagnostics, "cluster")
{
    internal const int NodeCount = 3;
    internal const string DockerHub = MirrorCrashFixture.DockerHub;
    internal const string Secret = "e2e-cluster-secret-0123456789";

    // 25 MiB/s per connection: a 100 MiB fill takes ~4 s, long enough to kill its owner half-way.
    private const string LinkRate = "25m";
    private const int BigBlobSize = 100 * MiB;
    private const int SmallBlobCount = 60;

    private readonly int[] _ports = [.. Enumerable.Range(0, NodeCount).Select(_ => FreePort.Next())];
    private readonly string[] _directories = new string[NodeCount];

    internal UpstreamRegistry Upstream { get; private set; } = null!;

    internal ThrottlingNginx Link { get; private set; } = null!;

    internal ThrottlingNginx Balancer { get; private set; } = null!;

    internal MirrorProcess?[] Nodes { get; } = new MirrorProcess?[NodeCount];

    internal FaultBlob StormBlob { get; private set; } = null!;

    internal FaultBlob KillBlob { get; private set; } = null!;

    internal List<FaultBlob> SmallBlobs { get; } = [];

    /// <summary><c>library/cluster-image:1</c>: a small OCI image skopeo pulls through the balancer.</summary>
    internal SmallImage Image { get; private set; } = null!;

    /// <summary><c>library/cluster-docker:1</c>: an umoci-built image (two layers) a real dockerd pulls through the balancer.</summary>
    internal TestImage DockerImage { get; private set; } = null!;

    /// <summary>A skopeo of the fixture's own (policy, temp folder).</summary>
    internal SkopeoClient Skopeo { get; private set; } = null!;

    /// <summary>4 MiB for the edge mirror in front of the cluster (tiering).</summary>
    internal FaultBlob EdgeBlob { get; private set; } = null!;

    internal string NodeId(int node) => $"http://127.0.0.1:{_ports[node]}";

    internal Uri NodeUri(int node) => new(NodeId(node) + "/");

    private protected override TimeSpan SetupTimeout => TimeSpan.FromMinutes(3);

    /// <summary>Starts node <paramref name="node"/> (again, after a kill: same port, same cache).</summary>
    internal async Task StartNodeAsync(int node, CancellationToken cancellationToken)
    {
        List<string> cluster =
        [
            $"--Mirror:Cluster:Self={NodeId(node)}",
            $"--Mirror:Cluster:Secret={Secret}",
            "--Mirror:Cluster:RefreshInterval=1s",
        ];
        cluster.AddRange(Enumerable.Range(0, NodeCount).Select(i => $"--Mirror:Cluster:Peers:{i}={NodeId(i)}"));
        Nodes[node] = await MirrorProcess.StartServerAsync(
            [new MirrorUpstream(DockerHub, Link.BaseUri)], DockerHub, _directories[node], cluster, cancellationToken, fixedPort: _ports[node]);
    }

    internal async Task KillNodeAsync(int node)
    {
        if (Nodes[node] is { } process)
        {
            await process.KillAsync();
            await process.DisposeAsync();
            Nodes[node] = null;
        }
    }

    /// <summary>Waits until every running node sees every running node live (GET /admin/cluster, from loopback).</summary>
    internal async Task UntilAllLiveAsync(CancellationToken cancellationToken)
    {
        var running = Enumerable.Range(0, NodeCount).Where(i => Nodes[i] is not null).Select(NodeId).ToHashSet();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var views = await Task.WhenAll(running.Select(id => LiveMembersAsync(new Uri(id + "/"), cancellationToken)));
            if (views.All(v => running.IsSubsetOf(v)))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The nodes do not all see each other live: {string.Join(" | ", views.Select(v => string.Join(",", v)))}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>The node index that owns <paramref name="key"/> in <paramref name="askNode"/>'s view.</summary>
    internal async Task<int> OwnerAsync(string key, int askNode, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await RawHttp.Client.GetStringAsync(new Uri(NodeUri(askNode), $"/admin/cluster?key={Uri.EscapeDataString(key)}"), cancellationToken));
        var owner = document.RootElement.GetProperty("order")[0].GetString();
        return Enumerable.Range(0, NodeCount).Single(i => NodeId(i) == owner);
    }

    internal string Describe() =>
        string.Join("\n\n", Nodes.Where(n => n is not null).Select(n => n!.Describe(15)).Append(Upstream.Describe(10)).Append(Balancer.Describe(10)));

    private static async Task<HashSet<string>> LiveMembersAsync(Uri node, CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(await RawHttp.Client.GetStringAsync(new Uri(node, "/admin/cluster"), cancellationToken));
            return [.. document.RootElement.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("live").GetBoolean()).Select(m => m.GetProperty("id").GetString()!)];
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    private protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        (Upstream, Link) = await StartRegistryBehindNginxAsync("upstream docker-registry", LinkRate, cancellationToken);
        StormBlob = await BlobSeeder.UploadRandomAsync(Upstream.BaseUri, DockerHub, "library/cluster-storm", BigBlobSize, cancellationToken);
        KillBlob = await BlobSeeder.UploadRandomAsync(Upstream.BaseUri, DockerHub, "library/cluster-kill", BigBlobSize, cancellationToken);
        Image = await BlobSeeder.PushSmallImageAsync(Upstream.BaseUri, DockerHub, "library/cluster-image", "1", cancellationToken);
        Skopeo = SkopeoClient.Create(Temp.CreateSubdirectory("skopeo"));
        DockerImage = await new TestImageBuilder(Temp.CreateSubdirectory("images"), Upstream, Skopeo)
            .BuildAndPushAsync("library/cluster-docker", "1", [512 * KiB, 2 * MiB], cancellationToken);
        EdgeBlob = await BlobSeeder.UploadRandomAsync(Upstream.BaseUri, DockerHub, "library/cluster-edge", 4 * MiB, cancellationToken);
        for (var i = 0; i < SmallBlobCount; i++)
        {
            SmallBlobs.Add(await BlobSeeder.UploadRandomAsync(Upstream.BaseUri, DockerHub, "library/cluster-small", 64 * KiB, cancellationToken));
        }

        LogStep($"uploaded 2 × {BigBlobSize / MiB} MiB and {SmallBlobCount} × 64 KiB blobs");

        for (var i = 0; i < NodeCount; i++)
        {
            _directories[i] = Temp.CreateSubdirectory($"node{i}");
            await StartNodeAsync(i, cancellationToken);
        }

        // Disposed newest first: the balancer, then the nodes (their processes may have been replaced by restarts).
        Started(new AsyncDisposableStack()).Push(async () =>
        {
            foreach (var node in Nodes.OfType<MirrorProcess>())
            {
                await node.DisposeAsync();
            }
        });
        await UntilAllLiveAsync(cancellationToken);

        // One small blob through every node (owner fetch, relays, local hit): the first request of a fresh process pays
        // for JIT and connection set-up, which the storm's first-byte figure should not measure.
        var warmup = await BlobSeeder.UploadRandomAsync(Upstream.BaseUri, DockerHub, "library/cluster-warmup", 64 * KiB, cancellationToken);
        foreach (var node in Enumerable.Range(0, NodeCount).Concat(Enumerable.Range(0, NodeCount)))
        {
            _ = await BlobDownload.RunAsync(warmup.On(NodeUri(node)), node, null, cancellationToken);
        }

        Balancer = Started(await ThrottlingNginx.StartBalancerAsync(Temp.CreateSubdirectory("lb"), [.. Enumerable.Range(0, NodeCount).Select(NodeUri)], cancellationToken));
        LogStep($"3 nodes on {string.Join(", ", _ports)}, balancer on {Balancer.HostPort}");
    }

    private protected override void CheckTools()
    {
        MirrorProcess.EnsureAvailable(MirrorTarget.Mirror);
        foreach (var tool in new[] { RequiredTool.DockerRegistry, RequiredTool.Nginx, RequiredTool.Skopeo, RequiredTool.Umoci, RequiredTool.Dockerd })
        {
            _ = tool.Resolve();
        }
    }
}
