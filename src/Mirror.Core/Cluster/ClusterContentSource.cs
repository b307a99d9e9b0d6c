using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Observability;
using Mirror.Oci;
using Mirror.Upstream;

namespace Mirror.Cluster;

/// <summary>
/// A cluster node's source for misses: the owner of the content first, then the next by rendezvous order, and the
/// upstream once this node is itself the best live candidate.
/// </summary>
/// <remarks>
/// <code>
///  key = digest (blobs, manifests by digest) | registry/repository:tag
///  Rank(key) over live members:  [ A , B(self) , C ]
///     A: GET /_mirror/peer/… + secret ──▶ answered (2xx/4xx/5xx with Mirror-Peer-Node) ─▶ that is the answer
///        │ no connection / no headers in time / not a peer's answer ─▶ A down ─▶ next
///        │ 503 + Mirror-Peer-Refused (A relays it itself) ─▶ next
///     B is self ─▶ the upstream
///  a body from A that breaks ─▶ A down; the fill's resume (Range: bytes=written-) comes back here and goes on to B/C
/// </code>
/// Never relayed: a peer's own request (<see cref="PullScope.FromPeer"/>: no loops), and a scope whose upstream
/// forwards client credentials — the owner could not tell whether this client may read what it has cached, so such
/// content is fetched with the client's own credentials as on a single node (docs/cluster.md).
/// </remarks>
internal sealed partial class ClusterContentSource : IContentSource
{
    private readonly ClusterMembership _membership;
    private readonly PeerClient _peers;
    private readonly RelayTracker _relays;
    private readonly bool _keepCopies;
    private readonly ILogger _logger;

    public ClusterContentSource(ClusterMembership membership, PeerClient peers, RelayTracker relays, IOptions<MirrorOptions> options, ILoggerFactory loggers)
    {
        _membership = membership;
        _peers = peers;
        _relays = relays;
        _keepCopies = options.Value.Cluster.KeepPeerCopies;
        _logger = loggers.CreateLogger("Mirror.Cluster");
    }

    /// <summary>The ownership key: the digest for content by digest, else (registry, repository, tag).</summary>
    public static string KeyOf(PullScope scope, UpstreamRequest request)
    {
        var slash = request.Path.IndexOf('/');
        var reference = slash >= 0 ? request.Path[(slash + 1)..] : request.Path;
        return Digest.TryParse(reference, out _) ? reference : $"{scope.Upstream.Name}/{scope.Repository}:{reference}";
    }

    public async Task<UpstreamResponse> SendAsync(PullScope scope, UpstreamRequest request, CancellationToken cancellationToken)
    {
        if (scope.FromPeer || scope.IsPerCredential)
        {
            return await scope.Upstream.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var key = KeyOf(scope, request);
        foreach (var member in _membership.Rank(key))
        {
            if (member.IsSelf)
            {
                break;
            }

            var relay = _relays.Begin(key);
            var (response, failure) = await _peers.SendAsync(member, scope, request, cancellationToken).ConfigureAwait(false);
            if (response is null || !response.Headers.Contains(PeerProtocol.NodeHeader))
            {
                relay.Dispose();
                failure ??= $"answered {(int)response!.StatusCode} without {PeerProtocol.NodeHeader} (not a mirror peer, or another secret)";
                response?.Dispose();
                MirrorMetrics.PeerRequests.WithLabels("failover").Inc();
                _membership.ReportFailure(member, failure);
                continue;
            }

            if (response.Headers.Contains(PeerProtocol.RefusedHeader))
            {
                relay.Dispose();
                response.Dispose();
                MirrorMetrics.PeerRequests.WithLabels("loop").Inc();
                Log.LoopRefused(_logger, key, member.Id);
                continue;
            }

            MirrorMetrics.PeerRequests.WithLabels("relayed").Inc();
            return Answer(member, response, relay);
        }

        return await scope.Upstream.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The owner's answer as if an upstream gave it: statuses as UpstreamClient classifies them.</summary>
    private UpstreamResponse Answer(ClusterMember member, HttpResponseMessage response, IDisposable relay)
    {
        var code = (int)response.StatusCode;
        var status = UpstreamResponse.StatusOf(code);
        if (status != UpstreamStatus.Ok)
        {
            response.Dispose();
            relay.Dispose();
            return UpstreamResponse.Failed(status, $"the owner node {member.Id} answered {code}");
        }

        response.Content = new PeerContent(response.Content, reason => _membership.ReportFailure(member, reason));
        return new UpstreamResponse(status, response, null) { Lease = relay, FromPeer = true, Transient = !_keepCopies };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9010, Level = LogLevel.Information, Message = "Peer {Peer} is relaying {Key} itself (the two disagree about its owner): asking the next candidate")]
        public static partial void LoopRefused(ILogger logger, string key, string peer);
    }
}
