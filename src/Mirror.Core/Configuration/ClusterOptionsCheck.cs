namespace Mirror.Configuration;

/// <summary>The <c>Mirror:Cluster:</c> checks, listed with every other configuration error.</summary>
internal static class ClusterOptionsCheck
{
    private const int MinimumSecretLength = 16;

    public static IEnumerable<string> Errors(ClusterOptions cluster)
    {
        if (!cluster.Enabled)
        {
            yield break;
        }

        const string At = "Mirror:Cluster";
        if (cluster.Peers.Count > 0 && !string.IsNullOrWhiteSpace(cluster.PeersDns))
        {
            yield return $"{At}: set Peers or PeersDns, not both.";
        }

        foreach (var peer in cluster.Peers.Append(cluster.Self).OfType<string>())
        {
            if (!Uri.TryCreate(peer, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                yield return $"{At}: '{peer}' must be a node's base URL such as http://10.0.0.11:5000 (no path).";
            }
        }

        if (cluster.PeersDns is { Length: > 0 } dns && Uri.CheckHostName(dns) == UriHostNameType.Unknown)
        {
            yield return $"{At}:PeersDns '{dns}' is not a host name.";
        }

        if (cluster.PeerPort is < 1 or > 65535)
        {
            yield return $"{At}:PeerPort must be a TCP port from 1 to 65535 (got {cluster.PeerPort}).";
        }

        if (cluster.Secret is not null && cluster.SecretFile is not null)
        {
            yield return $"{At}: set Secret or SecretFile, not both.";
        }
        else if (cluster.SecretFile is { Length: > 0 } file && !File.Exists(file))
        {
            yield return $"{At}:SecretFile '{file}' does not exist.";
        }
        else if ((Mirror.Cluster.PeerSecret.Read(cluster) ?? string.Empty).Length < MinimumSecretLength)
        {
            // Without a secret the peer route would serve anyone who finds it: a cluster needs one.
            yield return $"{At}:Secret (or SecretFile) is required with Peers or PeersDns and must hold at least {MinimumSecretLength} characters.";
        }

        foreach (var (key, value) in new[] { ("RefreshInterval", cluster.RefreshInterval), ("ConnectTimeout", cluster.ConnectTimeout), ("RequestTimeout", cluster.RequestTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"{At}:{key} must be positive (got {value}).";
            }
        }
    }
}
