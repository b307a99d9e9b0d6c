namespace Mirror.Upstream;

/// <summary>A single node's source: the scope's own upstream.</summary>
internal sealed class UpstreamContentSource : IContentSource
{
    public static readonly UpstreamContentSource Instance = new();

    public Task<UpstreamResponse> SendAsync(PullScope scope, UpstreamRequest request, CancellationToken cancellationToken) =>
        scope.Upstream.SendAsync(request, cancellationToken);
}
