namespace Mirror.Configuration;

/// <summary>
/// The <c>Mirror:Cluster:</c> section: nodes of one region that share one cache. Each blob, manifest digest and tag
/// has an owner node (rendezvous hashing over the live members); a node that misses asks the owner before the
/// upstream. Without <see cref="Peers"/> or <see cref="PeersDns"/> the mirror is a single node (docs/cluster.md).
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>Every node's base URL as peers reach it (<c>http://10.0.0.11:5000</c>), this node included.</summary>
    public List<string> Peers { get; set; } = [];

    /// <summary>A DNS name whose A/AAAA records are the nodes (a Kubernetes headless Service); used with <see cref="PeerPort"/>.</summary>
    public string? PeersDns { get; set; }

    /// <summary>The port peers listen on, for members found through <see cref="PeersDns"/>. Default 5000.</summary>
    public int PeerPort { get; set; } = 5000;

    /// <summary>
    /// This node's own URL as its peers see it. Unset: <c>http://$POD_IP:PeerPort</c>, else the member whose address
    /// is one of this machine's own.
    /// </summary>
    public string? Self { get; set; }

    /// <summary>The secret every peer request carries (at least 16 characters). Prefer <see cref="SecretFile"/>.</summary>
    public string? Secret { get; set; }

    /// <summary>A file holding the peer secret (a mounted Kubernetes Secret), read at start.</summary>
    public string? SecretFile { get; set; }

    /// <summary>
    /// Whether a node keeps its own copy of a blob it streamed from the owner. True (the default): later pulls on this
    /// node are local hits, at the price of disk (each node tends to hold the whole hot set). False: the cluster's
    /// capacity is the sum of its disks, and every non-owner hit is relayed from the owner.
    /// </summary>
    public bool KeepPeerCopies { get; set; } = true;

    /// <summary>How often DNS is resolved again and every member's health route asked. Default 5 s.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long connecting to a peer may take before the next candidate is tried. Default 500 ms.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a peer may take to send its response headers (it may be asking the upstream itself). Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>True when this node is part of a cluster.</summary>
    public bool Enabled => Peers.Count > 0 || !string.IsNullOrWhiteSpace(PeersDns);
}
