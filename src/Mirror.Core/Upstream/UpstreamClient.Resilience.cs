using System.Net;
using Mirror.Observability;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Mirror.Upstream;

/// <summary>
/// Retries and the circuit breaker. The breaker measures the upstream's health, not the answers to one client's
/// odd request: it sits outside the retries (one request, one outcome), and a 500 the upstream gives for one path
/// while its <c>/v2/</c> answers normally is passed on, neither retried nor counted.
/// </summary>
/// <remarks>
/// <code>
///  circuit breaker (counts requests; open → fail in microseconds, one half-open probe after BreakDuration)
///    └─ retry (MaxAttempts, backoff + jitter, Retry-After honoured; within the retry budget and RequestTimeout)
///         └─ one attempt: auth + send + redirects, headers within min(ResponseHeadersTimeout, time left)
///              └─ a 500? ─▶ does GET /v2/ answer (&lt;500)? yes ─▶ isolated: not retried, not counted
/// </code>
/// </remarks>
internal sealed partial class UpstreamClient
{
    private static readonly TimeSpan ProbeFreshFor = TimeSpan.FromSeconds(10);
    private static readonly ResiliencePropertyKey<long> DeadlineKey = new("mirror.deadline");

    private readonly Lock _probeGate = new();
    private Task<bool>? _probe;
    private long _probeStarted;

    /// <summary>One attempt's answer; <see cref="Isolated"/> marks a 500 that only this path gets.</summary>
    private readonly record struct Attempt(HttpResponseMessage Response, bool Isolated);

    private static bool IsTransient(Outcome<Attempt> outcome) => outcome.Exception switch
    {
        HttpRequestException http => http.InnerException is not RedirectRefusedException,
        UpstreamTimeoutException => true,
        null => !outcome.Result.Isolated && outcome.Result.Response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError
            or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
        _ => false,
    };

    /// <summary>What opens the breaker: the upstream being down or broken. A 429 is the upstream working as designed.</summary>
    private static bool IsBroken(Outcome<Attempt> outcome) => outcome.Exception switch
    {
        HttpRequestException http => http.InnerException is not RedirectRefusedException,
        UpstreamTimeoutException => true,
        null => !outcome.Result.Isolated && (int)outcome.Result.Response.StatusCode >= 500,
        _ => false,
    };

    private ResiliencePipeline<Attempt> BuildPipeline()
    {
        var options = Options;
        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = _time };
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<Attempt>
        {
            ShouldHandle = args => new ValueTask<bool>(IsBroken(args.Outcome)),
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

        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<Attempt>
            {
                ShouldHandle = args => new ValueTask<bool>(IsTransient(args.Outcome) && HasTimeLeft(args.Context) && _retryBudget.TryWithdraw()),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                DelayGenerator = args =>
                {
                    // Retry-After (429/503) is the upstream telling us when: wait that long, capped.
                    var retryAfter = args.Outcome.Exception is null ? args.Outcome.Result.Response.Headers.RetryAfter : null;
                    var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - _time.GetUtcNow() : null);
                    return new ValueTask<TimeSpan?>(wait is { } w ? TimeSpan.FromTicks(Math.Clamp(w.Ticks, 0, options.MaxRetryDelay.Ticks)) : null);
                },
                OnRetry = args =>
                {
                    MirrorMetrics.UpstreamRetries.WithLabels(Name).Inc();
                    Log.Retrying(_logger, Name, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds,
                        args.Outcome.Exception?.Message ?? $"status {(int)args.Outcome.Result.Response.StatusCode}");
                    if (args.Outcome.Exception is null)
                    {
                        args.Outcome.Result.Response.Dispose();
                    }

                    return default;
                },
            });
        }

        return builder.Build();
    }

    /// <summary>A retry must leave its attempt a useful share of RequestTimeout (at least the first retry delay).</summary>
    private bool HasTimeLeft(ResilienceContext context) =>
        context.Properties.TryGetValue(DeadlineKey, out var deadline) && TimeLeft(deadline) > Options.RetryDelay;

    private TimeSpan TimeLeft(long deadline) => TimeSpan.FromSeconds((deadline - _time.GetTimestamp()) / (double)_time.TimestampFrequency);

    /// <summary>
    /// Whether the upstream answers its <c>/v2/</c> endpoint normally (anything under 500, a 401 included), asked at
    /// most once per 10 s however many 500s arrive: the question that tells "this path is broken" from "the upstream is".
    /// </summary>
    private Task<bool> AnswersElsewhereAsync()
    {
        lock (_probeGate)
        {
            if (_probe is null || (_probe.IsCompleted && _time.GetElapsedTime(_probeStarted) > ProbeFreshFor))
            {
                _probeStarted = _time.GetTimestamp();
                _probe = ProbeAsync();
            }

            return _probe;
        }
    }

    private async Task<bool> ProbeAsync()
    {
        try
        {
            var timeout = TimeSpan.FromTicks(Math.Min(Options.ResponseHeadersTimeout.Ticks, TimeSpan.FromSeconds(10).Ticks));
            using var probe = await SendFollowingRedirectsAsync(HttpMethod.Get, new Uri($"{_baseUrl}/v2/"), accept: null, rangeStart: null, authorization: null, timeout, CancellationToken.None).ConfigureAwait(false);
            return (int)probe.StatusCode < 500;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or RedirectRefusedException)
        {
            return false;
        }
    }
}
