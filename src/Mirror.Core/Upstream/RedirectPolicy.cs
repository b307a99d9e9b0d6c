using System.Net;
using System.Net.Sockets;

namespace Mirror.Upstream;

/// <summary>
/// Where an upstream may send the mirror: a redirect (blob storage), a token realm, any connection it opens. A
/// hostile or compromised upstream must not turn the mirror into a client of its own network — cloud metadata at
/// 169.254.169.254, an admin port on loopback, a service on the private network.
/// </summary>
/// <remarks>
/// <code>
///  scheme http/https only (file:, ftp:… → refused)
///  address class        public upstream   private upstream   loopback upstream
///  public                    yes               yes                yes
///  private (10/8 …)          no                yes                yes
///  loopback                  no                no                 yes
///  link-local (169.254/16)   no                no                 no        (cloud metadata lives there)
///  RedirectAllowList hosts are allowed whatever their addresses.
/// </code>
/// The address rule runs where the connection is made (SocketsHttpHandler.ConnectCallback), on the addresses DNS
/// really returned, so a name that resolves to 127.0.0.1 is caught as well as a literal.
/// </remarks>
internal sealed class RedirectPolicy
{
    private readonly HashSet<string> _allowed;
    private readonly string _upstreamHost;
    private AddressClass _upstreamClass;

    public RedirectPolicy(Uri upstream, IEnumerable<string> allowList)
    {
        _allowed = new HashSet<string>(allowList, StringComparer.OrdinalIgnoreCase);
        _upstreamHost = upstream.IdnHost;
        _upstreamClass = IPAddress.TryParse(upstream.IdnHost.Trim('[', ']'), out var literal) ? Classify(literal)
            : string.Equals(upstream.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase) ? AddressClass.Loopback
            : AddressClass.Public;
    }

    public enum AddressClass
    {
        Public,
        Private,
        Loopback,
        LinkLocal,
    }

    /// <summary>Why the mirror must not follow a redirect to <paramref name="target"/> (checked before connecting), or null.</summary>
    public string? CheckRedirect(Uri target)
    {
        if (target.Scheme is not ("http" or "https"))
        {
            return $"a redirect to a {target.Scheme}: URL";
        }

        if (IPAddress.TryParse(target.IdnHost.Trim('[', ']'), out var literal))
        {
            return CheckAddress(target.IdnHost, literal);
        }

        return string.Equals(target.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase) ? CheckAddress(target.IdnHost, IPAddress.Loopback) : null;
    }

    /// <summary>Why a connection to <paramref name="address"/> (for <paramref name="host"/>) is refused, or null.</summary>
    public string? CheckAddress(string host, IPAddress address)
    {
        var target = Classify(address);
        if (string.Equals(host, _upstreamHost, StringComparison.OrdinalIgnoreCase))
        {
            // The upstream's own name: what it resolves to is what the operator configured, and it tells what
            // kind of network the upstream lives on.
            if (target > _upstreamClass && target != AddressClass.LinkLocal)
            {
                _upstreamClass = target;
            }

            return null;
        }

        if (_allowed.Contains(host) || target == AddressClass.Public)
        {
            return null;
        }

        var allowed = target switch
        {
            AddressClass.Private => _upstreamClass is AddressClass.Private or AddressClass.Loopback,
            AddressClass.Loopback => _upstreamClass == AddressClass.Loopback,
            _ => false,
        };
        return allowed ? null : $"{host} is a {Describe(target)} address ({address}), which this upstream may not send the mirror to";
    }

    public static AddressClass Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return AddressClass.Loopback;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                169 when b[1] == 254 => AddressClass.LinkLocal,
                10 => AddressClass.Private,
                172 when b[1] is >= 16 and <= 31 => AddressClass.Private,
                192 when b[1] == 168 => AddressClass.Private,
                100 when b[1] is >= 64 and <= 127 => AddressClass.Private, // carrier-grade NAT, RFC 6598
                0 => AddressClass.Loopback, // "this host": reaches local services on Linux
                _ => AddressClass.Public,
            };
        }

        if (address.IsIPv6LinkLocal)
        {
            return AddressClass.LinkLocal;
        }

        var first = address.GetAddressBytes()[0];
        return (first & 0xFE) == 0xFC ? AddressClass.Private : address.Equals(IPAddress.IPv6None) ? AddressClass.Loopback : AddressClass.Public;
    }

    private static string Describe(AddressClass kind) => kind switch
    {
        AddressClass.Private => "private-network",
        AddressClass.Loopback => "loopback",
        _ => "link-local",
    };
}
