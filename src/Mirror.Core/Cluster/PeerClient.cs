using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Upstream;

namespace Mirror.Cluster;

/// <summary>
/// HTTP to the other nodes: one connection pool for all of them, a short connect timeout (a dead owner costs
/// ConnectTimeout, then the next candidate is asked), the secret on every request.
/// </summary>
internal sealed class PeerClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ClusterOptions _options;
    private readonly PeerSecret _secret;

    public PeerClient(IOptions<MirrorOptions> options, PeerSecret secret)
    {
        _options = options.Value.Cluster;
        _secret = secret;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            AllowAutoRedirect = false,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        })
        {
            // Per request instead (headers within RequestTimeout); a blob body may take as long as it takes.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>This node's id, sent as <see cref="PeerProtocol.FromHeader"/>.</summary>
    public string? Self { get; set; }

    /// <summary>
    /// Asks <paramref name="member"/> for what <paramref name="request"/> names in <paramref name="scope"/>'s
    /// upstream; null when the peer could not be reached or sent no headers in time.
    /// </summary>
    public async Task<(HttpResponseMessage? Response, string? Failure)> SendAsync(ClusterMember member, PullScope scope, UpstreamRequest request, CancellationToken cancellationToken)
    {
        var uri = new Uri(member.BaseUri, $"{PeerProtocol.RoutePrefix}/{Uri.EscapeDataString(scope.Upstream.Name)}/{request.Repository}/{request.Path}");
        using var message = new HttpRequestMessage(request.Method, uri);
        Sign(message);
        if (request.Accept is { Length: > 0 } accept)
        {
            message.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (request.RangeStart is { } start)
        {
            message.Headers.Range = new RangeHeaderValue(start, null);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            return (await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false), null);
        }
        catch (HttpRequestException ex)
        {
            return (null, $"{ex.HttpRequestError}: {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"no response headers within {_options.RequestTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Whether <paramref name="member"/> answers its health route (with this cluster's secret) within the connect timeout and a second.</summary>
    public async Task<bool> HealthAsync(ClusterMember member, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(member.BaseUri, PeerProtocol.HealthPath));
        Sign(message);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout + TimeSpan.FromSeconds(1));
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode && response.Headers.Contains(PeerProtocol.NodeHeader);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    private void Sign(HttpRequestMessage message)
    {
        message.Headers.TryAddWithoutValidation(PeerProtocol.SecretHeader, _secret.Value);
        if (Self is { } self)
        {
            message.Headers.TryAddWithoutValidation(PeerProtocol.FromHeader, self);
        }
    }

    public void Dispose() => _http.Dispose();
}
