using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mirror.Storage;

/// <summary>
/// The disk tier's background work: reconcile index and files at start (before the server listens), evict when a
/// commit signals pressure or the slow timer finds the tier over its high watermark, checkpoint the index every
/// <c>IndexCheckpointInterval</c> and once more at shutdown.
/// </summary>
internal sealed partial class DiskTierJanitor : IHostedService, IDisposable
{
    /// <summary>How long the checkpoint at shutdown may take once the host's own deadline has passed.</summary>
    internal static readonly TimeSpan ShutdownCheckpointBudget = TimeSpan.FromSeconds(10);

    private readonly DiskTier _tier;
    private readonly TimeSpan _checkpointInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public DiskTierJanitor(DiskTier tier, TimeSpan checkpointInterval, TimeProvider time, ILogger<DiskTierJanitor> logger)
    {
        _tier = tier;
        _checkpointInterval = checkpointInterval;
        _time = time;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _tier.Reconcile();
            _tier.Evict();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Degrade, don't fail: an unreadable cache directory is a cold cache, not a dead mirror.
            _tier.WriteFailed("reconcile", ex);
        }

        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        // The host gives all services one shared deadline (HostOptions.ShutdownTimeout, 30 s). Requests still draining
        // — a slow client on a large layer — can use all of it, and then this token arrives cancelled: checkpointing
        // with it threw out of StopAsync and crashed the exit. The final checkpoint keeps recency and hit counts
        // across the restart, so it gets a short budget of its own; if even that runs out, the next start reconciles
        // the index with the files and only recency is lost.
        using var budget = new CancellationTokenSource(ShutdownCheckpointBudget, _time);
        try
        {
            await CheckpointAsync(budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.ShutdownCheckpointSkipped(_logger, ShutdownCheckpointBudget.TotalSeconds);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken stopping)
    {
        var nextCheckpoint = _time.GetUtcNow() + _checkpointInterval;
        while (!stopping.IsCancellationRequested)
        {
            var wait = nextCheckpoint - _time.GetUtcNow();
            using (var timer = new CancellationTokenSource(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time))
            using (var either = CancellationTokenSource.CreateLinkedTokenSource(stopping, timer.Token))
            {
                await _tier.WaitForPressureAsync(either.Token).ConfigureAwait(false);
            }

            if (stopping.IsCancellationRequested)
            {
                return;
            }

            try
            {
                // Signalled or not, the slow path checks the bound too (e.g. MaxDiskSize lowered and restarted).
                _tier.Evict();
                if (_time.GetUtcNow() >= nextCheckpoint)
                {
                    await CheckpointAsync(stopping).ConfigureAwait(false);
                    nextCheckpoint = _time.GetUtcNow() + _checkpointInterval;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.JanitorFailed(_logger, ex.GetType().Name, ex.Message);
            }
        }
    }

    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _tier.Index.CheckpointAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            Log.CheckpointFailed(_logger, ex.GetType().Name, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5030, LogLevel.Warning, "Disk tier maintenance failed: {Error}: {Message}")]
        public static partial void JanitorFailed(ILogger logger, string error, string message);

        [LoggerMessage(5031, LogLevel.Warning, "Blob index checkpoint failed: {Error}: {Message}")]
        public static partial void CheckpointFailed(ILogger logger, string error, string message);

        [LoggerMessage(5032, LogLevel.Warning, "Blob index checkpoint at shutdown did not finish within {Seconds} s; the next start reconciles the index with the files")]
        public static partial void ShutdownCheckpointSkipped(ILogger logger, double seconds);
    }
}
