using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Mirror.Configuration;
using Mirror.Observability;

namespace Mirror.Upstream;

/// <summary>The wire: connection pools whose every connection passes the redirect policy, redirects followed by hand, outcomes classified.</summary>
internal sealed partial class UpstreamClient
{
    /// <summary>
    /// The connection pool an upstream gets: no automatic redirects (we follow them ourselves, to drop credentials
    /// and check where they go), no decompression (bytes must hash to their digest), and every connection's
    /// address checked against the redirect policy.
    /// </summary>
    private static SocketsHttpHandler CreateHandler(UpstreamOptions options, RedirectPolicy policy) => new()
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        UseCookies = false,
        UseProxy = true,
        EnableMultipleHttp2Connections = true,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(policy, context, cancellationToken),
    };

    private static async ValueTask<Stream> ConnectAsync(RedirectPolicy policy, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        string? refused = null;
        var allowed = new List<IPAddress>(addresses.Length);
        foreach (var address in addresses)
        {
            if (policy.CheckAddress(host, address) is { } reason)
            {
                refused ??= reason;
            }
            else
            {
                allowed.Add(address);
            }
        }

        if (allowed.Count == 0)
        {
            throw new RedirectRefusedException(refused ?? $"{host} has no address");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync([.. allowed], context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Docker Hub's pull budget (<c>ratelimit-limit: 100;w=21600</c>, <c>ratelimit-remaining: 76;w=21600</c>) as
    /// gauges, and one log line when the upstream starts (and stops) answering 429.
    /// </summary>
    private void ObserveRateLimit(HttpResponseMessage response)
    {
        if (RateLimitValue(response, "ratelimit-limit") is { } limit)
        {
            MirrorMetrics.UpstreamRateLimit.WithLabels(Name).Set(limit);
        }

        if (RateLimitValue(response, "ratelimit-remaining") is { } remaining)
        {
            MirrorMetrics.UpstreamRateLimitRemaining.WithLabels(Name).Set(remaining);
        }

        var limited = response.StatusCode == HttpStatusCode.TooManyRequests;
        if (limited != _rateLimited)
        {
            _rateLimited = limited;
            if (limited)
            {
                Log.RateLimited(_logger, Name, RateLimitValue(response, "ratelimit-remaining")?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown");
            }
            else
            {
                Log.RateLimitLifted(_logger, Name);
            }
        }
    }

    private static double? RateLimitValue(HttpResponseMessage response, string header)
    {
        if (!response.Headers.TryGetValues(header, out var values) || values.FirstOrDefault() is not { } value)
        {
            return null;
        }

        var semicolon = value.IndexOf(';');
        return double.TryParse(semicolon >= 0 ? value.AsSpan(0, semicolon) : value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? number
            : null;
    }

    private UpstreamResponse Classify(HttpResponseMessage response, IDisposable lease, UpstreamRequest request)
    {
        var code = (int)response.StatusCode;
        var status = UpstreamResponse.StatusOf(code);
        if (status == UpstreamStatus.Ok)
        {
            return new UpstreamResponse(status, response, null) { Lease = lease };
        }

        lease.Dispose();

        var detail = status switch
        {
            UpstreamStatus.Unauthorized when request.ClientAuthorization is not null => $"{Name} refused your credentials for {request.Repository}",
            UpstreamStatus.Unauthorized when Options.ForwardClientAuthorization => $"{Name} needs credentials for {request.Repository}: log in to the mirror with your {Name} account",
            UpstreamStatus.Unauthorized => _basicCredentials is null
                ? $"{Name} refused anonymous access (configure Username/Password for it)"
                : $"{Name} refused the mirror's credentials",
            UpstreamStatus.Denied when request.ClientAuthorization is not null => $"{Name} denied you access to {request.Repository}",
            UpstreamStatus.Denied => $"{Name} denied access: the mirror's credentials lack pull permission",
            UpstreamStatus.TooManyRequests => $"{Name} is rate limiting the mirror",
            _ => $"{Name} answered {code} {response.ReasonPhrase}",
        };
        return new UpstreamResponse(status, response, detail);
    }

    private Task<HttpResponseMessage> SendFollowingRedirectsAsync(UpstreamRequest request, Uri uri, string? authorization, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendFollowingRedirectsAsync(request.Method, uri, request.Accept, request.RangeStart, authorization, timeout, cancellationToken);

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(HttpMethod method, Uri uri, string? accept, long? rangeStart, string? authorization, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headersTimeout.CancelAfter(timeout);
        for (var hop = 0; ; hop++)
        {
            using var message = new HttpRequestMessage(method, uri);
            if (accept is not null)
            {
                message.Headers.TryAddWithoutValidation("Accept", accept);
            }

            if (rangeStart is { } start)
            {
                message.Headers.Range = new RangeHeaderValue(start, null);
            }

            // Credentials never follow a redirect: blob CDNs get pre-signed URLs and must not see our token.
            if (hop == 0 && authorization is not null)
            {
                message.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            var response = await _http.SendAsync(message, headersTimeout.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (code is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location && hop < MaxRedirects)
            {
                response.Dispose();
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                if (_redirects.CheckRedirect(uri) is { } refused)
                {
                    throw new RedirectRefusedException(refused);
                }

                continue;
            }

            return response;
        }
    }
}
