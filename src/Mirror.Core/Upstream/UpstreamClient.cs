using System.Net;
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
    private volatile bool _rateLimited;

    public UpstreamClient(UpstreamOptions options, HybridCache tokens, TimeProvider time, ILogger logger)
        : this(options, tokens, time, logger, handler: null)
    {
    }

    /// <param name="handler">The wire for pull requests; null for the real one (tests pass an in-memory upstream).</param>
    internal UpstreamClient(UpstreamOptions options, HybridCache tokens, TimeProvider time, ILogger logger, HttpMessageHandler? handler)
    {
        _tokens = tokens;
        Options = options;
        Name = options.Name;
        BaseUri = options.EffectiveUrl;
        _baseUrl = BaseUri.AbsoluteUri.TrimEnd('/');
        _redirects = new RedirectPolicy(BaseUri, options.RedirectAllowList);
        _http = new HttpMessageInvoker(handler ?? CreateHandler(options, _redirects), disposeHandler: true);
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
        // A Mirror upstream fronts many registries: ?ns= tells it which one this repository belongs to.
        var uri = new Uri(Options.IsMirror
            ? $"{_baseUrl}/v2/{request.Repository}/{request.Path}{(request.Path.Contains('?') ? '&' : '?')}ns={Uri.EscapeDataString(Name)}"
            : $"{_baseUrl}/v2/{request.Repository}/{request.Path}");
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
        var scope = TokenScope.Pull(request.Repository);
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
            ObserveRateLimit(response);
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

        [LoggerMessage(1011, LogLevel.Warning, "Upstream {Upstream} is rate limiting the mirror (429; ratelimit-remaining {Remaining})")]
        public static partial void RateLimited(ILogger logger, string upstream, string remaining);

        [LoggerMessage(1012, LogLevel.Information, "Upstream {Upstream} stopped rate limiting the mirror")]
        public static partial void RateLimitLifted(ILogger logger, string upstream);

        [LoggerMessage(1010, LogLevel.Warning, "Upstream {Upstream}: refused to follow it from {Path}: {Reason}")]
        public static partial void RedirectRefused(ILogger logger, string upstream, string path, string reason);

        [LoggerMessage(1005, LogLevel.Warning, "Upstream {Upstream} named token realm {Realm}, which is not on its domain nor in TokenRealmAllowList: asking for an anonymous token")]
        public static partial void RealmNotPinned(ILogger logger, string upstream, string realm);
    }
}
