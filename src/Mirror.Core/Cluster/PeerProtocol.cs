namespace Mirror.Cluster;

/// <summary>
/// The internal peer route, on the registry port: <c>/_mirror/peer/&lt;registry&gt;/&lt;repository&gt;/blobs|manifests/&lt;ref&gt;</c>
/// and <c>/_mirror/peer/health</c>. Outside <c>/v2/</c> on purpose: nothing a client sends to <c>/v2/</c> (a query,
/// a header) can make a node treat it as a peer's request.
/// </summary>
internal static class PeerProtocol
{
    public const string RoutePrefix = "/_mirror/peer";

    public const string HealthPath = RoutePrefix + "/health";

    /// <summary>The shared secret, on every peer request.</summary>
    public const string SecretHeader = "Mirror-Peer-Secret";

    /// <summary>The asking node's id (for the answering node's log and its loop check).</summary>
    public const string FromHeader = "Mirror-Peer-From";

    /// <summary>On every answer a node gives a peer once the secret matched: an answer without it is not a peer's.</summary>
    public const string NodeHeader = "Mirror-Peer-Node";

    /// <summary>On a 503 from a node that is itself relaying the content from a peer: ask the next candidate.</summary>
    public const string RefusedHeader = "Mirror-Peer-Refused";
}
