using Microsoft.Extensions.DependencyInjection;
using Mirror.Cluster;

namespace Mirror.FunctionalTests.Cluster;

/// <summary>
/// A <see cref="FakeRegistry"/> and N mirrors in one cluster (static Peers on free loopback ports, one secret), each
/// with a cache folder of its own. Extra members (a fake or absent peer) can be listed with <c>extraPeers</c>.
/// </summary>
public sealed class ClusterNodes : IAsyncDisposable
{
    public const string Secret = "functional-cluster-secret";

    private readonly AsyncDisposableStack _started = new();
    private readonly List<TempDirectory> _folders = [];

    private ClusterNodes(FakeRegistry upstream) => Upstream = upstream;

    public FakeRegistry Upstream { get; }

    /// <summary>The nodes; <see cref="Ids"/>[i] is node i's member id.</summary>
    public List<MirrorServer?> Nodes { get; } = [];

    public List<string> Ids { get; } = [];

    /// <summary>Every member id the nodes were configured with (extra peers included).</summary>
    public List<string> Members { get; } = [];

    public static async Task<ClusterNodes> StartAsync(int count, IDictionary<string, string?>? settings = null, params string[] extraPeers)
    {
        var cluster = new ClusterNodes(await FakeRegistry.StartAsync());
        cluster._started.Push(cluster.Upstream);
        var ports = Enumerable.Range(0, count).Select(_ => FreePort.Next()).ToList();
        cluster.Ids.AddRange(ports.Select(p => $"http://127.0.0.1:{p}"));
        cluster.Members.AddRange(cluster.Ids.Concat(extraPeers.Select(ClusterMember.Normalize)));
        for (var i = 0; i < count; i++)
        {
            cluster.Nodes.Add(await cluster.StartNodeAsync(i, settings));
        }

        // A node that started before its peers saw them down; each is back within a RefreshInterval (1 s here).
        await cluster.UntilAllLiveAsync();
        return cluster;
    }

    /// <summary>Starts node <paramref name="index"/> (again, after <see cref="StopAsync"/>, with the same cache folder).</summary>
    public async Task<MirrorServer> StartNodeAsync(int index, IDictionary<string, string?>? settings = null)
    {
        if (_folders.Count <= index)
        {
            _folders.Add(new TempDirectory());
        }

        var values = new Dictionary<string, string?>
        {
            ["urls"] = Ids[index],
            ["Mirror:Cluster:Self"] = Ids[index],
            ["Mirror:Cluster:Secret"] = Secret,
            ["Mirror:Cluster:RefreshInterval"] = "1s",
        };
        for (var i = 0; i < Members.Count; i++)
        {
            values[$"Mirror:Cluster:Peers:{i}"] = Members[i];
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var node = await MirrorServer.StartAsync(Upstream.Url, _folders[index].Path, values);
        if (Nodes.Count > index)
        {
            Nodes[index] = node;
        }

        return node;
    }

    /// <summary>Waits until every running node sees every running node live.</summary>
    public Task UntilAllLiveAsync() =>
        Poll.UntilAsync(
            () => Nodes.OfType<MirrorServer>().All(n => n.Services.GetRequiredService<ClusterMembership>().Live.Count(m => Ids.Contains(m.Id)) == Nodes.Count(x => x is not null)),
            "every node sees every node live",
            TimeSpan.FromSeconds(15));

    public async Task StopAsync(int index)
    {
        if (Nodes[index] is { } node)
        {
            await node.DisposeAsync();
            Nodes[index] = null;
        }
    }

    /// <summary>The index of the node that owns <paramref name="key"/> with every member live.</summary>
    public int OwnerOf(string key, IEnumerable<string>? among = null)
    {
        var ranked = Rendezvous.Rank((among ?? Members).Select(id => new ClusterMember(id, false)).ToList(), key);
        return Ids.IndexOf(ranked[0].Id);
    }

    /// <summary>A node that is not the owner of <paramref name="key"/>.</summary>
    public int NotOwnerOf(string key) => (OwnerOf(key) + 1) % Ids.Count;

    public string BlobPath(int node, string digest) => Path.Combine(_folders[node].Path, "blobs", "sha256", digest[7..9], digest[7..]);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }

        await _started.DisposeAsync();
        _folders.ForEach(f => f.Dispose());
    }
}
