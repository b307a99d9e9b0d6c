using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Mirror.LoadTests;

/// <summary>
/// Runs <see cref="RunnerOptions.Clients"/> concurrent pull loops. Each client has its own connection pool (as
/// separate machines would); client i's pull j takes image (i + j) mod count, so a one-image run is a storm on
/// that image. A progress line goes to stderr every second.
/// </summary>
internal sealed class LoadRun(RunnerOptions options)
{
    public async Task<RunReport> RunAsync(CancellationToken cancellationToken)
    {
        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        runCts.CancelAfter(options.MaxDuration);
        var clients = Enumerable.Range(0, options.Clients).Select(_ => CreateClient()).ToArray();
        using var metricsClient = CreateClient();
        try
        {
            var warmupErrors = options.Warm ? await WarmUpAsync(clients[0], runCts.Token) : [];
            var before = await PrometheusScrape.ReadAsync(metricsClient, options.MetricsUrl, runCts.Token);
            var counters = new RunCounters();
            var results = new ConcurrentBag<PullResult>();
            var started = Stopwatch.GetTimestamp();
            var loops = clients.Select((client, i) => Task.Run(
                () => ClientLoopAsync(i, new Puller(client, options, counters), started, results, runCts.Token),
                runCts.Token)).ToArray();
            using var progressStop = new CancellationTokenSource();
            var progress = options.Quiet ? Task.CompletedTask : ProgressAsync(counters, started, progressStop.Token);
            await Task.WhenAll(loops);
            var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await progressStop.CancelAsync();
            await progress;
            var after = await PrometheusScrape.ReadAsync(metricsClient, options.MetricsUrl, CancellationToken.None);
            return RunReport.Create(options, [.. results], wall, before, after, warmupErrors);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan, DefaultRequestVersion = HttpVersion.Version11 };
    }

    /// <summary>Warm mode: one untimed pull of every image, so the measured pulls are cache hits.</summary>
    private async Task<List<string>> WarmUpAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var puller = new Puller(client, options, new RunCounters());
        var errors = new List<string>();
        foreach (var image in options.Images.Distinct())
        {
            var result = await puller.PullAsync(image, cancellationToken);
            if (!result.Ok)
            {
                errors.Add(result.Error!);
            }
        }

        return errors;
    }

    private async Task ClientLoopAsync(int client, Puller puller, long started, ConcurrentBag<PullResult> results,
        CancellationToken cancellationToken)
    {
        for (var pull = 0; !cancellationToken.IsCancellationRequested; pull++)
        {
            var more = options.Duration is { } duration
                ? Stopwatch.GetElapsedTime(started) < duration
                : pull < options.PullsPerClient;
            if (!more)
            {
                return;
            }

            var image = options.Images[(client + pull) % options.Images.Count];
            results.Add(await puller.PullAsync(image, cancellationToken));
        }
    }

    private static async Task ProgressAsync(RunCounters counters, long started, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long lastBytes = 0;
        var lastAt = started;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var now = Stopwatch.GetTimestamp();
                var bytes = counters.Bytes;
                var rate = (bytes - lastBytes) / Stopwatch.GetElapsedTime(lastAt, now).TotalSeconds / 1e6;
                Console.Error.WriteLine(
                    $"[{Stopwatch.GetElapsedTime(started, now).TotalSeconds,6:0.0}s] pulls done {counters.Done} " +
                    $"(failed {counters.Failed}), in flight {counters.InFlight}, {rate:0.0} MB/s, {bytes / 1e6:0} MB total");
                (lastBytes, lastAt) = (bytes, now);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }
}
