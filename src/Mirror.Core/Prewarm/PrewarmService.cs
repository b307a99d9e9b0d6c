using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Configuration;

namespace Mirror.Prewarm;

/// <summary>
/// The prewarm jobs: started from the admin API or on the <c>Mirror:Prewarm</c> schedule, run one at a time in the
/// background (jobs queue behind each other; within a job, blobs run a few at a time), kept for inspection (the
/// last 100).
/// </summary>
internal sealed partial class PrewarmService : BackgroundService
{
    private const int Kept = 100;

    private readonly ConcurrentDictionary<string, PrewarmJob> _jobs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly PrewarmRunner _runner;
    private readonly PrewarmOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private CancellationToken _stopping = CancellationToken.None;

    public PrewarmService(PrewarmRunner runner, IOptions<MirrorOptions> options, TimeProvider time, ILogger<PrewarmService> logger)
    {
        _runner = runner;
        _options = options.Value.Prewarm;
        _time = time;
        _logger = logger;
    }

    /// <summary>Jobs known, newest first.</summary>
    public IReadOnlyList<PrewarmJob> Jobs => [.. _jobs.Values.OrderByDescending(j => j.Created)];

    public PrewarmJob? Find(string id) => _jobs.GetValueOrDefault(id);

    /// <summary>Starts a job; the images must already be valid references (<see cref="ImageReference.TryParse"/>).</summary>
    public PrewarmJob Start(IReadOnlyList<string> images, IReadOnlyList<string> platforms, string origin)
    {
        var job = new PrewarmJob(Guid.NewGuid().ToString("N")[..12], images, platforms, origin, _time.GetUtcNow());
        _jobs[job.Id] = job;
        Forget();
        _ = RunAsync(job);
        return job;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        if (_options.Images.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.Interval, _time);
        do
        {
            var job = Start(_options.Images, _options.Platforms, "schedule");
            Log.Scheduled(_logger, job.Id, _options.Images.Count, _options.Interval.TotalMinutes);
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RunAsync(PrewarmJob job)
    {
        try
        {
            await _oneAtATime.WaitAsync(_stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            job.State = PrewarmState.Failed;
            return;
        }

        try
        {
            await _runner.RunAsync(job, _stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug, not an outcome: the job says so instead of staying "running" for ever.
            job.Images[0].Failed($"prewarm failed: {ex.GetType().Name}: {ex.Message}");
            job.State = PrewarmState.Failed;
            job.Finished = _time.GetUtcNow();
            Log.Crashed(_logger, job.Id, ex);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>Keeps the newest <see cref="Kept"/> finished jobs.</summary>
    private void Forget()
    {
        var finished = _jobs.Values.Where(j => j.Finished is not null).OrderByDescending(j => j.Created).Skip(Kept).ToList();
        foreach (var old in finished)
        {
            _jobs.TryRemove(old.Id, out _);
        }
    }

    public override void Dispose()
    {
        _oneAtATime.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(7003, LogLevel.Information, "Scheduled prewarm {Job} of {Images} images (every {Minutes} min)")]
        public static partial void Scheduled(ILogger logger, string job, int images, double minutes);

        [LoggerMessage(7004, LogLevel.Error, "Prewarm {Job} failed unexpectedly")]
        public static partial void Crashed(ILogger logger, string job, Exception exception);
    }
}
