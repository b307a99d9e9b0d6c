namespace Mirror.Cluster;

/// <summary>One node of the cluster. <see cref="Id"/> is its normalized base URL: what ownership is hashed over.</summary>
/// <param name="Id">The base URL, lower case, without a trailing slash (<c>http://10.0.0.11:5000</c>).</param>
/// <param name="IsSelf">This node.</param>
internal sealed record ClusterMember(string Id, bool IsSelf)
{
    public Uri BaseUri { get; } = new(Id);

    /// <summary>The normal form of a node URL, so that every node hashes the same string for the same peer.</summary>
    public static string Normalize(string url)
    {
        var uri = new Uri(url.Trim(), UriKind.Absolute);
        return $"{uri.Scheme}://{uri.Authority}".ToLowerInvariant();
    }

    public override string ToString() => Id;
}
