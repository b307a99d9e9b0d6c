namespace Mirror.Upstream;

/// <summary>
/// Where the caches fetch what they miss. One node: its upstream. In a cluster: the owner node first, then the next
/// by rendezvous order, then the upstream — the fill, its resume and its digest check stay the same whichever
/// answers, so a peer is one more upstream candidate, not a second code path.
/// </summary>
internal interface IContentSource
{
    /// <summary>Sends a pull-side request (GET or HEAD) for <paramref name="scope"/>; the caller disposes the response.</summary>
    Task<UpstreamResponse> SendAsync(PullScope scope, UpstreamRequest request, CancellationToken cancellationToken);
}
