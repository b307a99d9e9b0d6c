using Microsoft.Extensions.Caching.Hybrid;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Mirror.Caching;
using Mirror.Configuration;
using Mirror.Observability;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Mirror.Upstream;

/// <summary>
/// The client for one upstream registry: its own connection pool, the registry token flow, redirects to blob
/// storage, and a classification of every outcome.
/// </summary>
/// <remarks>
/// <code>
///  request ──▶ cached token for repository:&lt;name&gt;:pull? ──▶ send ──▶ 3xx? follow (no Authorization, Range kept)
///                                                              │
///                                              401 + WWW-Authenticate: Bearer realm,service,scope
///                                                              ▼
///                    GET realm?service=…&amp;scope=… (basic credentials only to a pinned realm) ──▶ resend once
/// </code>
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
    private readonly ConcurrencyLimiter _bulkhead;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private volatile AuthChallenge? _bearerChallenge;
    private volatile bool _wantsBasic;
    private volatile bool _probed;

    public UpstreamClient(UpstreamOptions options, HttpMessageHandler handler, HybridCache tokens, TimeProvider time, ILogger logger)
    {
        _tokens = tokens;
        Options = options;
        Name = options.Name;
        BaseUri = options.EffectiveUrl;
        _baseUrl = BaseUri.AbsoluteUri.TrimEnd('/');
        _http = new HttpMessageInvoker(handler, disposeHandler: true);
        Forwarder = new HttpMessageInvoker(CreateHandler(options), disposeHandler: true);
        _bulkhead = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrentFetches,
            QueueLimit = options.MaxQueuedFetches,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _pipeline = BuildPipeline();
        _time = time;
        _logger = logger;
        var password = options.PasswordFile is { Length: > 0 } file ? File.ReadAllText(file).TrimEnd('\r', '\n') : options.Password;
        if (!string.IsNullOrEmpty(options.Username))
        {
            _basicCredentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{password}"));
        }
    }

    public string Name { get; }

    public Uri BaseUri { get; }

    public UpstreamOptions Options { get; }

    /// <summary>A separate connection pool for pass-through traffic (pushes, catalog, tag lists), used by YARP.</summary>
    public HttpMessageInvoker Forwarder { get; }

    /// <summary>
    /// The Authorization header for a forwarded request needing <paramref name="scope"/> (e.g.
    /// <c>repository:org/app:pull,push</c>). When the upstream's auth scheme is not known yet, one <c>GET /v2/</c>
    /// learns it first, so a client is never bounced to the upstream's own token realm.
    /// </summary>
    public async ValueTask<string?> AuthorizeAsync(string scope, string? clientAuthorization, CancellationToken cancellationToken)
    {
        if (_bearerChallenge is null && !_wantsBasic && !_probed)
        {
            _probed = true;
            try
            {
                using var probe = await SendFollowingRedirectsAsync(HttpMethod.Get, new Uri($"{_baseUrl}/v2/"), accept: null, rangeStart: null, authorization: null, cancellationToken).ConfigureAwait(false);
                if (probe.StatusCode == HttpStatusCode.Unauthorized)
                {
                    LearnChallenge(AuthChallenge.Parse(probe.Headers.WwwAuthenticate.FirstOrDefault()?.ToString()));
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _probed = false; // try again next time; the forwarded request will report the failure itself
            }
        }

        return await AuthorizationForAsync(scope, clientAuthorization, forceRefresh: false, cancellationToken).ConfigureAwait(false);
    }

    private void LearnChallenge(AuthChallenge? challenge)
    {
        if (challenge is { IsBearer: true, Realm: not null })
        {
            _bearerChallenge = challenge;
        }
        else if (challenge is { IsBasic: true } && _basicCredentials is not null)
        {
            _wantsBasic = true;
        }
    }

    /// <summary>Creates the connection pool an upstream gets: no automatic redirects (we follow them ourselves, to drop credentials), no decompression (bytes must hash to their digest).</summary>
    public static SocketsHttpHandler CreateHandler(UpstreamOptions options) => new()
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        UseCookies = false,
        UseProxy = true,
        EnableMultipleHttp2Connections = true,
    };

    /// <summary>
    /// Sends a pull-side request (GET or HEAD: idempotent, so it may be retried). The returned response holds a
    /// bulkhead slot until it is disposed — for a blob, until its body has been read.
    /// </summary>
    /// <remarks>
    /// <code>
    ///  bulkhead slot (MaxConcurrentFetches, queue MaxQueuedFetches; full → 429 to the client)
    ///    └─ retry (MaxAttempts, exponential backoff + jitter, Retry-After honoured up to MaxRetryDelay)
    ///         └─ circuit breaker (open → fail in microseconds, one half-open probe after BreakDuration)
    ///              └─ auth + send + redirects, response headers within ResponseHeadersTimeout
    /// </code>
    /// </remarks>
    public async Task<UpstreamResponse> SendAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{_baseUrl}/v2/{request.Repository}/{request.Path}");
        var lease = await _bulkhead.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            Log.BulkheadFull(_logger, Name, Options.MaxConcurrentFetches, Options.MaxQueuedFetches);
            return UpstreamResponse.Failed(UpstreamStatus.TooManyRequests, $"the mirror has {Options.MaxConcurrentFetches} requests to {Name} in flight and {Options.MaxQueuedFetches} queued; retry shortly");
        }

        var started = _time.GetTimestamp();
        try
        {
            var response = await _pipeline.ExecuteAsync(
                static (state, ct) => new ValueTask<HttpResponseMessage>(state.self.SendOnceAsync(state.request, state.uri, ct)),
                (self: this, request, uri),
                cancellationToken).ConfigureAwait(false);
            MirrorMetrics.UpstreamTimeToFirstByte.WithLabels(Name).Observe(_time.GetElapsedTime(started).TotalSeconds);
            var classified = Classify(response, lease);
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
        catch (HttpRequestException ex)
        {
            Log.UpstreamUnreachable(_logger, Name, ex.Message);
            // The exception text names internal addresses: it goes to the log, the client gets the kind of failure.
            return UpstreamResponse.Failed(UpstreamStatus.Unreachable, $"{Name} is unreachable ({ex.HttpRequestError})");
        }
        finally
        {
            lease?.Dispose();
        }
    }

    /// <summary>One attempt: auth, send, redirects, and the 401 → token → resend dance.</summary>
    private async Task<HttpResponseMessage> SendOnceAsync(UpstreamRequest request, Uri uri, CancellationToken cancellationToken)
    {
        var scope = $"repository:{request.Repository}:pull";
        try
        {
            var authorization = await AuthorizationForAsync(scope, request.ClientAuthorization, forceRefresh: false, cancellationToken).ConfigureAwait(false);
            var response = await SendFollowingRedirectsAsync(request, uri, authorization, cancellationToken).ConfigureAwait(false);
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
                    response = await SendFollowingRedirectsAsync(request, uri, retryWith, cancellationToken).ConfigureAwait(false);
                }
            }

            MirrorMetrics.UpstreamRequests.WithLabels(Name, MirrorMetrics.StatusClass((int)response.StatusCode)).Inc();
            return response;
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

    /// <summary>Transient: the network, our headers timeout, 429, and the 5xx a retry can fix.</summary>
    private static readonly PredicateBuilder<HttpResponseMessage> Transient = new PredicateBuilder<HttpResponseMessage>()
        .Handle<HttpRequestException>()
        .Handle<UpstreamTimeoutException>()
        .HandleResult(r => r.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError
            or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout);

    /// <summary>What opens the breaker: the upstream being down or broken. A 429 is the upstream working as designed.</summary>
    private static readonly PredicateBuilder<HttpResponseMessage> Broken = new PredicateBuilder<HttpResponseMessage>()
        .Handle<HttpRequestException>()
        .Handle<UpstreamTimeoutException>()
        .HandleResult(r => (int)r.StatusCode >= 500);

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline()
    {
        var options = Options;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = Transient,
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                DelayGenerator = args =>
                {
                    // Retry-After (429/503) is the upstream telling us when: wait that long, capped.
                    var retryAfter = args.Outcome.Result?.Headers.RetryAfter;
                    var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - _time.GetUtcNow() : null);
                    return new ValueTask<TimeSpan?>(wait is { } w ? TimeSpan.FromTicks(Math.Clamp(w.Ticks, 0, options.MaxRetryDelay.Ticks)) : null);
                },
                OnRetry = args =>
                {
                    MirrorMetrics.UpstreamRetries.WithLabels(Name).Inc();
                    Log.Retrying(_logger, Name, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds,
                        args.Outcome.Exception?.Message ?? $"status {(int?)args.Outcome.Result?.StatusCode}");
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = Broken,
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakDuration,
            OnOpened = _ =>
            {
                MirrorMetrics.UpstreamBreakerState.WithLabels(Name).Set(2);
                Log.BreakerOpened(_logger, Name, options.BreakDuration.TotalSeconds);
                return default;
            },
            OnHalfOpened = _ =>
            {
                MirrorMetrics.UpstreamBreakerState.WithLabels(Name).Set(1);
                return default;
            },
            OnClosed = _ =>
            {
                MirrorMetrics.UpstreamBreakerState.WithLabels(Name).Set(0);
                Log.BreakerClosed(_logger, Name);
                return default;
            },
        });
        return builder.Build();
    }

    private UpstreamResponse Classify(HttpResponseMessage response, RateLimitLease lease)
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
            UpstreamStatus.Unauthorized => _basicCredentials is null
                ? $"{Name} refused anonymous access (configure Username/Password for it)"
                : $"{Name} refused the mirror's credentials",
            UpstreamStatus.Denied => $"{Name} denied access: the mirror's credentials lack pull permission",
            UpstreamStatus.TooManyRequests => $"{Name} is rate limiting the mirror",
            _ => $"{Name} answered {code} {response.ReasonPhrase}",
        };
        return new UpstreamResponse(status, response, detail);
    }

    private Task<HttpResponseMessage> SendFollowingRedirectsAsync(UpstreamRequest request, Uri uri, string? authorization, CancellationToken cancellationToken) =>
        SendFollowingRedirectsAsync(request.Method, uri, request.Accept, request.RangeStart, authorization, cancellationToken);

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(HttpMethod method, Uri uri, string? accept, long? rangeStart, string? authorization, CancellationToken cancellationToken)
    {
        using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headersTimeout.CancelAfter(Options.ResponseHeadersTimeout);
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
                continue;
            }

            return response;
        }
    }

    /// <summary>
    /// The basic credentials for this request: with ForwardClientAuthorization, the client's own (from its
    /// <c>Authorization: Basic</c>), else the configured ones.
    /// </summary>
    private string? CredentialsFor(string? clientAuthorization) =>
        Options.ForwardClientAuthorization && clientAuthorization is { } header
            && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
            ? header["Basic ".Length..].Trim()
            : _basicCredentials;

    private async ValueTask<string?> AuthorizationForAsync(string scope, string? clientAuthorization, bool forceRefresh, CancellationToken cancellationToken)
    {
        // A client's bearer token (issued by the upstream's realm) is passed through as it is; its basic
        // credentials are exchanged for a token like the configured ones would be.
        if (Options.ForwardClientAuthorization && clientAuthorization is { Length: > 0 } clientAuth
            && !clientAuth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return clientAuth;
        }

        var credentials = CredentialsFor(clientAuthorization);
        var challenge = _bearerChallenge;
        if (challenge is null)
        {
            return (_wantsBasic || credentials != _basicCredentials) && credentials is not null ? "Basic " + credentials : null;
        }

        // Tokens go through HybridCache's memory level (its stampede protection means one realm request per scope
        // however many requests need it) and never to a shared second level: they are credentials. A client's own
        // credentials get their own entries (keyed by a hash, never the secret).
        var key = credentials == _basicCredentials
            ? $"token|{Name}|{scope}"
            : $"token|{Name}|{scope}|{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(credentials ?? string.Empty)))}";
        if (forceRefresh)
        {
            await _tokens.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var token = await _tokens.GetOrCreateAsync(
                key,
                (self: this, challenge, scope, credentials),
                static (state, ct) => new ValueTask<CachedToken?>(state.self.FetchTokenAsync(state.challenge, state.scope, state.credentials, ct)),
                TokenEntry,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (token is not null && token.ExpiresAt > _time.GetUtcNow())
            {
                return token.Header;
            }

            // A failed or expired token is not kept: the next request asks the realm again.
            await _tokens.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            if (token is null)
            {
                return null;
            }
        }

        return null;
    }

    private static readonly HybridCacheEntryOptions TokenEntry = new()
    {
        Expiration = TimeSpan.FromMinutes(10),
        LocalCacheExpiration = TimeSpan.FromMinutes(10),
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

    private async Task<CachedToken?> FetchTokenAsync(AuthChallenge challenge, string scope, string? credentials, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || realm.Scheme is not ("http" or "https"))
        {
            Log.TokenFailed(_logger, Name, $"invalid realm '{challenge.Realm}'");
            return null;
        }

        var query = new StringBuilder(realm.Query.Length > 1 ? realm.Query[1..] + "&" : string.Empty);
        if (challenge.Service is { } service)
        {
            query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
        }

        query.Append("scope=").Append(Uri.EscapeDataString(scope));
        var tokenUri = new UriBuilder(realm) { Query = query.ToString() }.Uri;
        using var message = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        var withCredentials = credentials is not null && RealmPolicy.MaySendCredentials(BaseUri, realm, Options.TokenRealmAllowList);
        if (withCredentials)
        {
            message.Headers.TryAddWithoutValidation("Authorization", "Basic " + credentials);
        }
        else if (credentials is not null)
        {
            Log.RealmNotPinned(_logger, Name, realm.Host);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ResponseHeadersTimeout);
        try
        {
            using var response = await _http.SendAsync(message, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.TokenFailed(_logger, Name, $"{realm.Host} answered {(int)response.StatusCode}");
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            using var json = await JsonDocument.ParseAsync(body, default, timeout.Token).ConfigureAwait(false);
            var root = json.RootElement;
            var token = root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : root.TryGetProperty("access_token", out var at) && at.ValueKind == JsonValueKind.String ? at.GetString()
                : null;
            if (string.IsNullOrEmpty(token))
            {
                Log.TokenFailed(_logger, Name, "token response without a token");
                return null;
            }

            // The token spec's default lifetime is 60 s; renew a little early so a request never carries an expired one.
            var lifetime = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) && seconds > 0 ? seconds : 60;
            var expires = _time.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(1, lifetime * 0.9 - 5));
            var cached = new CachedToken("Bearer " + token, expires);
            Log.TokenIssued(_logger, Name, scope, lifetime);
            return cached;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.TokenFailed(_logger, Name, ex.Message);
            return null;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        Forwarder.Dispose();
        _bulkhead.Dispose();
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

        [LoggerMessage(1005, LogLevel.Warning, "Upstream {Upstream} named token realm {Realm}, which is not on its domain nor in TokenRealmAllowList: asking for an anonymous token")]
        public static partial void RealmNotPinned(ILogger logger, string upstream, string realm);
    }
}
