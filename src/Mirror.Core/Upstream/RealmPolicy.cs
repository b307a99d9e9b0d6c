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
        if (upstream.Scheme == "https" && realm.Scheme != "https")
        {
            return false; // never downgrade credentials to plain HTTP, not even to an allow-listed host
        }

        if (allowList.Any(h => string.Equals(h, realm.Host, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return string.Equals(RegistrableDomain(upstream.Host), RegistrableDomain(realm.Host), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Suffixes under which every customer gets a subdomain (a tiny slice of the public suffix list): there the
    /// registrable domain is one label longer, so <c>evil.azurecr.io</c> is not "the same site" as <c>mine.azurecr.io</c>.
    /// </summary>
    private static readonly string[] SharedSuffixes =
    [
        "azurecr.io", "amazonaws.com", "cloudfront.net", "pkg.dev", "appspot.com", "azurewebsites.net",
        "github.io", "herokuapp.com", "ocir.io", "co.uk", "org.uk", "com.au", "co.jp", "com.br", "com.cn",
    ];

    /// <summary>
    /// The registrable domain of a host: its last two labels (<c>auth.docker.io</c> → <c>docker.io</c>), or three
    /// under a shared suffix (<c>x.azurecr.io</c>); an IP address or a single label stands for itself. An
    /// approximation of the public suffix list; hosts it misjudges belong in TokenRealmAllowList.
    /// </summary>
    public static string RegistrableDomain(string host)
    {
        if (IPAddress.TryParse(host, out _))
        {
            return host;
        }

        host = host.TrimEnd('.').ToLowerInvariant();
        var labels = host.Split('.');
        var take = SharedSuffixes.Any(s => host.EndsWith("." + s, StringComparison.Ordinal)) ? 3 : 2;
        return labels.Length <= take ? host : string.Join('.', labels[^take..]);
    }
}
