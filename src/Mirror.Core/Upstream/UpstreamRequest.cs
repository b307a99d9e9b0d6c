using Mirror.Oci;

namespace Mirror.Upstream;

/// <summary>A pull-side request to an upstream registry.</summary>
/// <param name="Method">GET or HEAD.</param>
/// <param name="Repository">The upstream repository (the token scope is derived from it).</param>
/// <param name="Path">The path below <c>/v2/&lt;repository&gt;/</c>, e.g. <c>blobs/sha256:…</c>.</param>
internal sealed record UpstreamRequest(HttpMethod Method, RepositoryName Repository, string Path)
{
    /// <summary>The Accept header to send (manifests).</summary>
    public string? Accept { get; init; }

    /// <summary>First byte to ask for with <c>Range: bytes=N-</c> (resuming a fill); null for the whole body.</summary>
    public long? RangeStart { get; init; }

    /// <summary>The client's own Authorization header, used when the upstream has ForwardClientAuthorization.</summary>
    public string? ClientAuthorization { get; init; }

    /// <summary>Who the request is for (a user or an address): the bulkhead queues fairly across clients.</summary>
    public string Client { get; init; } = string.Empty;
}
