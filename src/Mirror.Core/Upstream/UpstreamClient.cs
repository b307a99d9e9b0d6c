using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Mirror.Configuration;
using Mirror.Observability;
using Polly;
using Polly.CircuitBreaker;

namespace Mirror.Upstream;

/// <summary>
/// The client for one upstream registry: its own connection pool, the registry token flow, redirects to blob
/// storage, and a classification of every outcome.
/// </summary>
/// <remarks>
/// <code>
///  request ──▶ cached token for repository:&lt;name&gt;:pull? ──▶ send ──▶ 3xx? follow (no Authorization, Range kept,
///                                                              │        only where RedirectPolicy allows)
///                                              401 + WWW-Authenticate: Bearer realm,service,scope
///                                                              ▼
///                    GET realm?service=…&amp;scope=… (basic credentials only to a pinned realm) ──▶ resend once
/// </code>
/// Concerns live in partial files: <c>.Auth</c> (tokens), <c>.Resilience</c> (retries, breaker, health probe).
/// </remarks>
internal sealed partial class UpstreamClient : IDisposable
{
    private const int MaxRedirects = 5;

    private readonly HttpMessageInvoker _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _baseUrl;
    private readonly string? _basicCredentials;
    private readonly HybridCache _tokens;
    private readonly FairBulkhead _bulkhead;
    private readonly RetryBudget _retryBudget;
    private readonly RedirectPolicy _redirects;
    private readonly ResiliencePipeline<Attempt> _pipeline;
    private volatile AuthChallenge? _bearerChallenge;
    private volatile bool _wantsBasic;
    private volatile bool _probed;

    public UpstreamClient(UpstreamOptions options, HybridCache tokens, TimeProvider time, ILogger logger)
    {
        _tokens = tokens;
        Options = options;
        Name = options.Name;
        BaseUri = options.EffectiveUrl;
        _baseUrl = BaseUri.AbsoluteUri.TrimEnd('/');
        _redirects = new RedirectPolicy(BaseUri, options.RedirectAllowList);
        _http = new HttpMessageInvoker(CreateHandler(options, _redirects), disposeHandler: true);
        Forwarder = new HttpMessageInvoker(CreateHandler(options, _redirects), disposeHandler: true);
        _bulkhead = new FairBulkhead(options.MaxConcurrentFetches, options.MaxQueuedFetches);
        _time = time;
        _logger = logger;
        _retryBudget = new RetryBudget(time);
        _pipeline = BuildPipeline();
        var password = options.PasswordFile is { Length: > 0 } file ? File.ReadAllText(file).TrimEnd('\r', '\n') : options.Password;
        if (!string.IsNullOrEmpty(options.Username))
        {
            _basicCredentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{password}"));
        }
    }

    public string Name { get; }

    public Uri BaseUri { get; }

    public UpstreamOptions Options { get; }

    /// <summary>Whether the mirror holds credentials of its own for this upstream.</summary>
    public bool HasSharedCredentials => _basicCredentials is not null;

    /// <summary>A separate connection pool for pass-through traffic (pushes, catalog, tag lists), used by YARP.</summary>
    public HttpMessageInvoker Forwarder { get; }

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
    /// Sends a pull-side request (GET or HEAD: idempotent, so it may be retried). The returned response holds a
    /// bulkhead slot until it is disposed — for a blob, until its body has been read.
    /// </summary>
    /// <remarks>
    /// <code>
    ///  bulkhead slot (MaxConcurrentFetches, queue MaxQueuedFetches served round-robin by client; full → 429)
    ///    └─ the pipeline (UpstreamClient.Resilience.cs), all attempts within RequestTimeout
    /// </code>
    /// </remarks>
    public async Task<UpstreamResponse> SendAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{_baseUrl}/v2/{request.Repository}/{request.Path}");
        _retryBudget.Deposit();
        var lease = await _bulkhead.AcquireAsync(request.Client, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            Log.BulkheadFull(_logger, Name, Options.MaxConcurrentFetches, Options.MaxQueuedFetches);
            return UpstreamResponse.Failed(UpstreamStatus.TooManyRequests, $"the mirror has {Options.MaxConcurrentFetches} requests to {Name} in flight and {Options.MaxQueuedFetches} queued; retry shortly");
        }

        var started = _time.GetTimestamp();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        var deadline = started + (long)(Options.RequestTimeout.TotalSeconds * _time.TimestampFrequency);
        context.Properties.Set(DeadlineKey, deadline);
        try
        {
            var attempt = await _pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask<Attempt>(state.self.SendOnceAsync(state.request, state.uri, state.deadline, ctx.CancellationToken)),
                context,
                (self: this, request, uri, deadline)).ConfigureAwait(false);
            MirrorMetrics.UpstreamTimeToFirstByte.WithLabels(Name).Observe(_time.GetElapsedTime(started).TotalSeconds);
            var classified = Classify(attempt.Response, lease, request);
            lease = null;
            return classified;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (UpstreamTimeoutException)
        {
            Log.UpstreamTimeout(_logger, Name, uri.AbsolutePath);
            return UpstreamResponse.Failed(UpstreamStatus.Timeout, $"{Name} sent no response headers within {Options.ResponseHeadersTimeout.TotalSeconds:0.#} s");
        }
        catch (BrokenCircuitException)
        {
            return UpstreamResponse.Failed(UpstreamStatus.Unreachable, $"{Name} is failing; the mirror stopped asking it for {Options.BreakDuration.TotalSeconds:0.#} s (circuit open)");
        }
        catch (Exception ex) when (ex is RedirectRefusedException || ex.InnerException is RedirectRefusedException)
        {
            var reason = (ex as RedirectRefusedException ?? (RedirectRefusedException)ex.InnerException!).Message;
            Log.RedirectRefused(_logger, Name, uri.AbsolutePath, reason);
            return UpstreamResponse.Failed(UpstreamStatus.ForbiddenRedirect, $"{Name} redirected the mirror to a target it does not follow ({reason})");
        }
        catch (HttpRequestException ex)
        {
            Log.UpstreamUnreachable(_logger, Name, ex.Message);
            // The exception text names internal addresses: it goes to the log, the client gets the kind of failure.
            return UpstreamResponse.Failed(UpstreamStatus.Unreachable, $"{Name} is unreachable ({ex.HttpRequestError})");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            lease?.Dispose();
        }
    }

    /// <summary>One attempt: auth, send, redirects, and the 401 → token → resend dance.</summary>
    private async Task<Attempt> SendOnceAsync(UpstreamRequest request, Uri uri, long deadline, CancellationToken cancellationToken)
    {
        var scope = $"repository:{request.Repository}:pull";
        var headersTimeout = TimeLeft(deadline);
        if (headersTimeout > Options.ResponseHeadersTimeout)
        {
            headersTimeout = Options.ResponseHeadersTimeout;
        }

        try
        {
            if (headersTimeout <= TimeSpan.Zero)
            {
                throw new OperationCanceledException("RequestTimeout spent");
            }

            var authorization = await AuthorizationForAsync(scope, request.ClientAuthorization, forceRefresh: false, cancellationToken).ConfigureAwait(false);
            var response = await SendFollowingRedirectsAsync(request, uri, authorization, headersTimeout, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized
                && AuthChallenge.Parse(response.Headers.WwwAuthenticate.FirstOrDefault()?.ToString()) is { } challenge)
            {
                string? retryWith = null;
                if (challenge.IsBearer && challenge.Realm is not null)
                {
                    _bearerChallenge = challenge;
                    retryWith = await AuthorizationForAsync(scope, request.ClientAuthorization, forceRefresh: authorization is not null, cancellationToken).ConfigureAwait(false);
                }
                else if (challenge.IsBasic && CredentialsFor(request.ClientAuthorization) is { } basic)
                {
                    _wantsBasic = true;
                    retryWith = "Basic " + basic;
                }

                if (retryWith is not null && retryWith != authorization)
                {
                    response.Dispose();
                    response = await SendFollowingRedirectsAsync(request, uri, retryWith, headersTimeout, cancellationToken).ConfigureAwait(false);
                }
            }

            MirrorMetrics.UpstreamRequests.WithLabels(Name, MirrorMetrics.StatusClass((int)response.StatusCode)).Inc();
            var isolated = response.StatusCode == HttpStatusCode.InternalServerError && await AnswersElsewhereAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Attempt(response, isolated);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Our own headers timeout, not the caller's cancellation: a failure the pipeline may retry.
            MirrorMetrics.UpstreamRequests.WithLabels(Name, "error").Inc();
            throw new UpstreamTimeoutException(ex);
        }
        catch (HttpRequestException)
        {
            MirrorMetrics.UpstreamRequests.WithLabels(Name, "error").Inc();
            throw;
        }
    }

    private UpstreamResponse Classify(HttpResponseMessage response, IDisposable lease, UpstreamRequest request)
    {
        var code = (int)response.StatusCode;
        var status = code switch
        {
            >= 200 and < 300 => UpstreamStatus.Ok,
            404 => UpstreamStatus.NotFound,
            401 => UpstreamStatus.Unauthorized,
            403 => UpstreamStatus.Denied,
            429 => UpstreamStatus.TooManyRequests,
            >= 500 => UpstreamStatus.ServerError,
            _ => UpstreamStatus.ClientError,
        };
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

    public void Dispose()
    {
        _http.Dispose();
        Forwarder.Dispose();
    }

    /// <summary>An Authorization header and when to stop using it. Immutable: the memory level hands out this instance.</summary>
    [System.ComponentModel.ImmutableObject(true)]
    internal sealed record CachedToken(string Header, DateTimeOffset ExpiresAt);

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Warning, "Upstream {Upstream} is unreachable: {Reason}")]
        public static partial void UpstreamUnreachable(ILogger logger, string upstream, string reason);

        [LoggerMessage(1002, LogLevel.Warning, "Upstream {Upstream} sent no response headers in time for {Path}")]
        public static partial void UpstreamTimeout(ILogger logger, string upstream, string path);

        [LoggerMessage(1003, LogLevel.Debug, "Token for {Upstream} scope {Scope} issued for {Lifetime} s")]
        public static partial void TokenIssued(ILogger logger, string upstream, string scope, int lifetime);

        [LoggerMessage(1004, LogLevel.Warning, "Token request to {Upstream} failed: {Reason}")]
        public static partial void TokenFailed(ILogger logger, string upstream, string reason);

        [LoggerMessage(1006, LogLevel.Warning, "Upstream {Upstream}: bulkhead full ({Concurrent} in flight, {Queued} queued); answering 429")]
        public static partial void BulkheadFull(ILogger logger, string upstream, int concurrent, int queued);

        [LoggerMessage(1007, LogLevel.Information, "Upstream {Upstream}: attempt {Attempt} in {DelayMs:0} ms after {Reason}")]
        public static partial void Retrying(ILogger logger, string upstream, int attempt, double delayMs, string reason);

        [LoggerMessage(1008, LogLevel.Warning, "Upstream {Upstream}: circuit opened for {Seconds} s")]
        public static partial void BreakerOpened(ILogger logger, string upstream, double seconds);

        [LoggerMessage(1009, LogLevel.Information, "Upstream {Upstream}: circuit closed")]
        public static partial void BreakerClosed(ILogger logger, string upstream);

        [LoggerMessage(1010, LogLevel.Warning, "Upstream {Upstream}: refused to follow it from {Path}: {Reason}")]
        public static partial void RedirectRefused(ILogger logger, string upstream, string path, string reason);

        [LoggerMessage(1005, LogLevel.Warning, "Upstream {Upstream} named token realm {Realm}, which is not on its domain nor in TokenRealmAllowList: asking for an anonymous token")]
        public static partial void RealmNotPinned(ILogger logger, string upstream, string realm);
    }
}
