using System.Net;

namespace Mirror.Upstream;

/// <summary>
/// Decides whether the configured credentials may go to a token realm. A registry that names a realm on a
/// foreign domain (a compromised or spoofed upstream, or a redirect) must not collect our password: credentials
/// go only to the upstream's own registrable domain or to hosts the operator listed.
/// </summary>
internal static class RealmPolicy
{
    public static bool MaySendCredentials(Uri upstream, Uri realm, IReadOnlyCollection<string> allowList)
    {
        if (allowList.Any(h => string.Equals(h, realm.Host, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        if (upstream.Scheme == "https" && realm.Scheme != "https")
        {
            return false; // never downgrade credentials to plain HTTP
        }

        return string.Equals(RegistrableDomain(upstream.Host), RegistrableDomain(realm.Host), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The last two labels of a host name (<c>auth.docker.io</c> → <c>docker.io</c>); an IP address or a single
    /// label stands for itself. Two labels is an approximation of the public suffix list that errs on the safe side
    /// for the registries users mirror; hosts under a multi-label suffix (<c>*.co.uk</c>) belong in the allow list.
    /// </summary>
    public static string RegistrableDomain(string host)
    {
        if (IPAddress.TryParse(host, out _))
        {
            return host;
        }

        var labels = host.TrimEnd('.').Split('.');
        return labels.Length <= 2 ? host : string.Join('.', labels[^2..]);
    }
}
