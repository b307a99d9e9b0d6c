using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Observability;

namespace Mirror.Cluster;

/// <summary>
/// Who is in the cluster and who answers: the configured list or the DNS name's records, refreshed every
/// RefreshInterval, each peer's health route asked on the same beat.
/// </summary>
/// <remarks>
/// <code>
///  every RefreshInterval:  Peers | resolve(PeersDns) ─▶ members ─▶ GET /_mirror/peer/health on each (secret)
///                             answered ─▶ live          failed ─▶ down until it answers again
///  a peer request that cannot connect, or a body that breaks ─▶ ReportFailure ─▶ down at once
/// </code>
/// New members start live: a node that has just started is found by its first failed request within a connect
/// timeout, whereas starting them down would send every miss of the first interval to the upstream.
/// </remarks>
internal sealed partial class ClusterMembership : BackgroundService
{
    private readonly ClusterOptions _options;
    private readonly PeerClient _peers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _down = new(StringComparer.Ordinal);
    private string? _self;
    private IReadOnlyList<ClusterMember> _members = [];
    private IReadOnlyList<ClusterMember> _live = [];

    public ClusterMembership(IOptions<MirrorOptions> options, PeerClient peers, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options.Value.Cluster;
        _peers = peers;
        _time = time;
        _logger = loggers.CreateLogger("Mirror.Cluster");
        _self = _options.Self is { Length: > 0 } self ? ClusterMember.Normalize(self) : null;
        _peers.Self = _self;
        if (_options.Peers.Count > 0)
        {
            SetMembers(_options.Peers.Select(ClusterMember.Normalize));
        }
    }

    public bool Enabled => _options.Enabled;

    /// <summary>This node's id, when known (configured, from POD_IP, or found among the members' addresses).</summary>
    public string? Self => _self;

    /// <summary>Every member known, live or down.</summary>
    public IReadOnlyList<ClusterMember> Members => Volatile.Read(ref _members);

    /// <summary>The members that answer, this node always among them.</summary>
    public IReadOnlyList<ClusterMember> Live => Volatile.Read(ref _live);

    /// <summary>The live members in ownership order for <paramref name="key"/>.</summary>
    public ClusterMember[] Rank(string key) => Rendezvous.Rank(Live, key);

    /// <summary>A request to <paramref name="member"/> failed (no connection, a broken body): down until its health route answers.</summary>
    public void ReportFailure(ClusterMember member, string reason)
    {
        if (member.IsSelf)
        {
            return;
        }

        bool added;
        lock (_gate)
        {
            added = _down.Add(member.Id);
            if (added)
            {
                Publish();
            }
        }

        if (added)
        {
            Log.PeerDown(_logger, member.Id, reason);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.RefreshInterval, _time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
            {
                // Degrade, don't fail: the last known members stay until the next round.
                Log.RefreshFailed(_logger, ex.GetType().Name, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One round: members from DNS (when configured), then every peer's health.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_options.PeersDns is { Length: > 0 } dns)
        {
            var addresses = await Dns.GetHostAddressesAsync(dns, cancellationToken).ConfigureAwait(false);
            SetMembers(addresses.Select(a => ClusterMember.Normalize($"http://{(a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]" : a.ToString())}:{_options.PeerPort}")));
        }

        var members = Members;
        var checks = members.Where(m => !m.IsSelf).Select(async m => (Member: m, Ok: await _peers.HealthAsync(m, cancellationToken).ConfigureAwait(false)));
        foreach (var (member, ok) in await Task.WhenAll(checks).ConfigureAwait(false))
        {
            bool changed;
            lock (_gate)
            {
                changed = ok ? _down.Remove(member.Id) : _down.Add(member.Id);
                if (changed)
                {
                    Publish();
                }
            }

            if (changed && ok)
            {
                Log.PeerUp(_logger, member.Id);
            }
            else if (changed)
            {
                Log.PeerDown(_logger, member.Id, "its health route did not answer");
            }
        }
    }

    private void SetMembers(IEnumerable<string> ids)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        _self ??= DetectSelf(distinct);
        _peers.Self = _self;
        lock (_gate)
        {
            if (Members.Select(m => m.Id).SequenceEqual(distinct))
            {
                return;
            }

            Volatile.Write(ref _members, distinct.Select(id => new ClusterMember(id, id == _self)).ToList());
            _down.IntersectWith(distinct);
            Publish();
        }

        Log.Members(_logger, distinct.Count, string.Join(", ", distinct), _self ?? "(not found: this node owns nothing)");
    }

    private void Publish()
    {
        var live = Members.Where(m => m.IsSelf || !_down.Contains(m.Id)).ToList();
        Volatile.Write(ref _live, live);
        MirrorMetrics.ClusterMembers.WithLabels("live").Set(live.Count);
        MirrorMetrics.ClusterMembers.WithLabels("down").Set(Members.Count - live.Count);
    }

    /// <summary>
    /// Self when not configured: <c>POD_IP</c> (Kubernetes' downward API) with PeerPort, else the one member whose host
    /// is an address of this machine (ambiguous on one host with several nodes: set Self there).
    /// </summary>
    private string? DetectSelf(IReadOnlyList<string> members)
    {
        if (Environment.GetEnvironmentVariable("POD_IP") is { Length: > 0 } podIp && IPAddress.TryParse(podIp, out var pod))
        {
            return ClusterMember.Normalize($"http://{(pod.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{pod}]" : podIp)}:{_options.PeerPort}");
        }

        var local = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => !IPAddress.IsLoopback(a))
            .ToHashSet();
        var mine = members.Where(m => IPAddress.TryParse(new Uri(m).Host.Trim('[', ']'), out var a) && local.Contains(a)).ToList();
        return mine.Count == 1 ? mine[0] : null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Cluster members ({Count}): {Members}; this node: {Self}")]
        public static partial void Members(ILogger logger, int count, string members, string self);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Peer {Peer} is down: {Reason}")]
        public static partial void PeerDown(ILogger logger, string peer, string reason);

        [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Peer {Peer} answers again")]
        public static partial void PeerUp(ILogger logger, string peer);

        [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "Refreshing the cluster members failed: {Error}: {Message}")]
        public static partial void RefreshFailed(ILogger logger, string error, string message);
    }
}
