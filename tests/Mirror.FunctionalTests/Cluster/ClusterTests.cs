using Microsoft.Extensions.DependencyInjection;
using Mirror.Cluster;

namespace Mirror.FunctionalTests.Cluster;

/// <summary>Nodes of one cluster on loopback, in front of one fake upstream: one upstream fetch per cluster, whoever asks.</summary>
public sealed class ClusterTests
{
    private static readonly TimeSpan FifteenSeconds = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Get_SameBlobOnEveryNodeAtOnce_OneUpstreamGetAndCorrectBytes()
    {
        await using var cluster = await ClusterNodes.StartAsync(3);
        var (content, digest) = cluster.Upstream.AddRandomBlob(2 * 1024 * 1024);
        cluster.Upstream.SlowBodies(64 * 1024, TimeSpan.FromMilliseconds(5));

        var pulls = Enumerable.Range(0, 12).Select(i => GetAsync(cluster.Nodes[i % 3]!, $"/v2/library/app/blobs/{digest}"));
        foreach (var body in await Task.WhenAll(pulls))
        {
            Assert.Equal(content, body);
        }

        Assert.Equal(1, cluster.Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
        Assert.True(File.Exists(cluster.BlobPath(cluster.OwnerOf(digest), digest)), "the owner stored what it fetched");
    }

    [Fact]
    public async Task Get_ThroughNonOwner_OwnerFetchesOnceAndNonOwnerKeepsACopy()
    {
        await using var cluster = await ClusterNodes.StartAsync(3);
        var (content, digest) = cluster.Upstream.AddRandomBlob(300 * 1024);
        var relay = cluster.NotOwnerOf(digest);

        Assert.Equal(content, await GetAsync(cluster.Nodes[relay]!, $"/v2/library/app/blobs/{digest}"));
        Assert.Equal(content, await GetAsync(cluster.Nodes[relay]!, $"/v2/library/app/blobs/{digest}"));

        Assert.Equal(1, cluster.Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
        Assert.True(File.Exists(cluster.BlobPath(cluster.OwnerOf(digest), digest)));
        Assert.True(File.Exists(cluster.BlobPath(relay, digest)), "KeepPeerCopies (default true) keeps the relayed copy");
    }

    [Fact]
    public async Task Get_KeepPeerCopiesOff_RelayingNodeDropsItsCopy()
    {
        await using var cluster = await ClusterNodes.StartAsync(2, new Dictionary<string, string?> { ["Mirror:Cluster:KeepPeerCopies"] = "false" });
        var (content, digest) = cluster.Upstream.AddRandomBlob(300 * 1024);
        var relay = cluster.NotOwnerOf(digest);

        Assert.Equal(content, await GetAsync(cluster.Nodes[relay]!, $"/v2/library/app/blobs/{digest}"));
        await Poll.UntilAsync(() => !File.Exists(cluster.BlobPath(relay, digest)), "the relayed copy is dropped", FifteenSeconds);
        Assert.Equal(content, await GetAsync(cluster.Nodes[relay]!, $"/v2/library/app/blobs/{digest}"));

        Assert.Equal(1, cluster.Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
        Assert.True(File.Exists(cluster.BlobPath(cluster.OwnerOf(digest), digest)));
    }

    [Fact]
    public async Task Get_ManifestByTagOnEveryNode_OneUpstreamGetByTag()
    {
        await using var cluster = await ClusterNodes.StartAsync(3);
        var digest = cluster.Upstream.AddManifest("library/app", "v1", """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}""");

        for (var i = 0; i < 3; i++)
        {
            using var response = await cluster.Nodes[i]!.CreateClient().GetAsync("/v2/library/app/manifests/v1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());
        }

        Assert.Equal(1, cluster.Upstream.Count("GET", "/v2/library/app/manifests/v1"));
    }

    [Fact]
    public async Task PeerRoute_WithoutOrWithWrongSecret_RefusedAndNothingFetched()
    {
        await using var cluster = await ClusterNodes.StartAsync(2);
        var (_, digest) = cluster.Upstream.AddRandomBlob(1000);
        using var client = cluster.Nodes[0]!.CreateClient();
        var route = $"{PeerProtocol.RoutePrefix}/docker.io/library/app/blobs/{digest}";

        foreach (var secret in new[] { null, "wrong-secret-but-long-enough", ClusterNodes.Secret + "x", string.Empty })
        {
            foreach (var path in new[] { route, PeerProtocol.HealthPath })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                if (secret is not null)
                {
                    request.Headers.TryAddWithoutValidation(PeerProtocol.SecretHeader, secret);
                }

                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Contains("UNAUTHORIZED", await response.Content.ReadAsStringAsync());
                Assert.False(response.Headers.Contains(PeerProtocol.NodeHeader));
            }
        }

        Assert.Equal(0, cluster.Upstream.CountMatching("/blobs/"));

        // A client's /v2/ request with the right secret is still a client's: it is answered (and may be relayed),
        // never taken for a peer's — the node header only ever comes from the peer route.
        using var trick = new HttpRequestMessage(HttpMethod.Get, $"/v2/library/app/blobs/{digest}?ns=docker.io");
        trick.Headers.TryAddWithoutValidation(PeerProtocol.SecretHeader, ClusterNodes.Secret);
        using var answered = await client.SendAsync(trick);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.False(answered.Headers.Contains(PeerProtocol.NodeHeader));
    }

    [Fact]
    public async Task Get_OwnerDown_NextCandidateServesAndUpstreamFetchesOnce()
    {
        await using var cluster = await ClusterNodes.StartAsync(3);
        var (content, digest) = cluster.Upstream.AddRandomBlob(500 * 1024);
        var owner = cluster.OwnerOf(digest);
        await cluster.StopAsync(owner);

        var started = System.Diagnostics.Stopwatch.StartNew();
        foreach (var node in Enumerable.Range(0, 3).Where(i => i != owner))
        {
            Assert.Equal(content, await GetAsync(cluster.Nodes[node]!, $"/v2/library/app/blobs/{digest}"));
        }

        Assert.Equal(1, cluster.Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"a dead owner costs a connect attempt, not a timeout ({started.Elapsed})");
    }

    [Fact]
    public async Task Get_OwnerDiesMidBody_ResumedFromNextCandidateAndBytesVerified()
    {
        var peerPort = FreePort.Next();
        await using var peer = await BreakingPeer.StartAsync(peerPort);
        await using var cluster = await ClusterNodes.StartAsync(1, null, peer.Url.AbsoluteUri);

        // A blob the breaking peer owns (one in two do).
        var (content, digest) = cluster.Upstream.AddRandomBlob(1024 * 1024);
        while (cluster.OwnerOf(digest) != -1)
        {
            (content, digest) = cluster.Upstream.AddRandomBlob(1024 * 1024);
        }

        peer.Add(digest, content);
        peer.BreakAfter = 300 * 1024;

        Assert.Equal(content, await GetAsync(cluster.Nodes[0]!, $"/v2/library/app/blobs/{digest}"));
        Assert.Equal(1, peer.Requests);
        Assert.Equal(1, cluster.Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
        var membership = cluster.Nodes[0]!.Services.GetRequiredService<ClusterMembership>();
        Assert.DoesNotContain(membership.Live, m => m.Id == ClusterMember.Normalize(peer.Url.AbsoluteUri));
    }

    [Fact]
    public async Task Get_TwoNodesEachNamingTheOtherOwner_NoLoopAndBothServed()
    {
        // Each node lists only the other: each believes the other owns everything (two views that disagree).
        var ports = new[] { FreePort.Next(), FreePort.Next() };
        await using var upstream = await FakeRegistry.StartAsync();
        var (content, digest) = upstream.AddRandomBlob(1024 * 1024);
        upstream.SlowBodies(64 * 1024, TimeSpan.FromMilliseconds(10));
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        await using var nodeA = await StartLoneNodeAsync(upstream, a.Path, ports[0], ports[1]);
        await using var nodeB = await StartLoneNodeAsync(upstream, b.Path, ports[1], ports[0]);

        var pulls = new[] { nodeA, nodeB, nodeA, nodeB }.Select(n => GetAsync(n, $"/v2/library/app/blobs/{digest}"));
        var bodies = await Task.WhenAll(pulls).WaitAsync(FifteenSeconds);

        Assert.All(bodies, body => Assert.Equal(content, body));
        Assert.InRange(upstream.Count("GET", $"/v2/library/app/blobs/{digest}"), 1, 2);
    }

    [Fact]
    public async Task Membership_PeerStopsAndStarts_DropsOutAndReturns()
    {
        await using var cluster = await ClusterNodes.StartAsync(3);
        var membership = cluster.Nodes[0]!.Services.GetRequiredService<ClusterMembership>();
        await membership.RefreshAsync(CancellationToken.None);
        Assert.Equal(3, membership.Live.Count);

        await cluster.StopAsync(2);
        await membership.RefreshAsync(CancellationToken.None);
        Assert.Equal(2, membership.Live.Count);
        Assert.DoesNotContain(membership.Live, m => m.Id == cluster.Ids[2]);

        await cluster.StartNodeAsync(2);
        await membership.RefreshAsync(CancellationToken.None);
        Assert.Equal(3, membership.Live.Count);
    }

    [Fact]
    public async Task Membership_PeersDns_EveryAddressAMemberAndOnlyTheAnsweringOnesLive()
    {
        var port = FreePort.Next();
        await using var upstream = await FakeRegistry.StartAsync();
        using var cache = new TempDirectory();
        await using var node = await MirrorServer.StartAsync(upstream.Url, cache.Path, new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Mirror:Cluster:PeersDns"] = "localhost",
            ["Mirror:Cluster:PeerPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mirror:Cluster:Self"] = $"http://127.0.0.1:{port}",
            ["Mirror:Cluster:Secret"] = ClusterNodes.Secret,
        });
        var membership = node.Services.GetRequiredService<ClusterMembership>();

        await membership.RefreshAsync(CancellationToken.None);

        // localhost is 127.0.0.1 (this node) and, where the resolver says so, ::1 — where nothing listens on this port.
        var addresses = (await Dns.GetHostAddressesAsync("localhost")).Distinct().ToList();
        Assert.Equal(addresses.Count, membership.Members.Count);
        Assert.Contains(membership.Live, m => m.IsSelf && m.Id == $"http://127.0.0.1:{port}");
        Assert.Equal([$"http://127.0.0.1:{port}"], membership.Live.Select(m => m.Id));
    }

    [Fact]
    public async Task Tiering_EdgeInFrontOfRegion_RegistryCarriedThroughWithNs()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        var (content, digest) = upstream.AddRandomBlob(400 * 1024);
        var manifest = upstream.AddManifest("org/app", "v1", """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}""");
        await using var region = await MirrorServer.StartAsync(("docker.io", upstream.Url), ("ghcr.io", upstream.Url));
        var edgeSettings = new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:Name"] = "docker.io",
            ["Mirror:Upstreams:0:Url"] = region.Url.AbsoluteUri,
            ["Mirror:Upstreams:0:IsMirror"] = "true",
            ["Mirror:Upstreams:1:Name"] = "ghcr.io",
            ["Mirror:Upstreams:1:Url"] = region.Url.AbsoluteUri,
            ["Mirror:Upstreams:1:IsMirror"] = "true",
        };
        await using var edge1 = await MirrorServer.StartAsync(edgeSettings);
        await using var edge2 = await MirrorServer.StartAsync(edgeSettings);

        // Without ?ns= the region would take org/app for docker.io's and ask for /v2/org/app there.
        var pulls = new[] { edge1, edge2, edge1, edge2 }.Select(e => GetAsync(e, $"/v2/ghcr.io/org/app/blobs/{digest}"));
        Assert.All(await Task.WhenAll(pulls), body => Assert.Equal(content, body));
        using var tag = await edge2.CreateClient().GetAsync("/v2/ghcr.io/org/app/manifests/v1");
        Assert.Equal(manifest, tag.Headers.GetValues("Docker-Content-Digest").Single());

        Assert.Equal(1, upstream.Count("GET", $"/v2/org/app/blobs/{digest}"));
        Assert.Equal(1, upstream.Count("GET", "/v2/org/app/manifests/v1"));
        Assert.Equal(0, upstream.CountMatching("/v2/library/"));
    }

    private static Task<MirrorServer> StartLoneNodeAsync(FakeRegistry upstream, string cache, int port, int other) =>
        MirrorServer.StartAsync(upstream.Url, cache, new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Mirror:Cluster:Self"] = $"http://127.0.0.1:{port}",
            ["Mirror:Cluster:Peers:0"] = $"http://127.0.0.1:{other}",
            ["Mirror:Cluster:Secret"] = ClusterNodes.Secret,
        });

    private static async Task<byte[]> GetAsync(MirrorServer node, string path)
    {
        using var client = node.CreateClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
