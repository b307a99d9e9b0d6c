using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using Mirror.Storage;

namespace Mirror.Benchmarks;

/// <summary>
/// A warm restart: open the FASTER index from its last checkpoint (recover + recount) with 100 000 and 1 000 000 entries.
/// The target is under 2 s. Each iteration opens and disposes; disposing takes no checkpoint, so every
/// iteration recovers the same state.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class WarmRestartBenchmarks
{
    private string _directory = string.Empty;

    [Params(100_000, 1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = BenchmarkData.NewDirectory();
        using var index = FasterBlobIndex.Open(_directory, NullLogger.Instance);
        BenchmarkData.Fill(index, BenchmarkData.Keys(Entries));
        index.CheckpointAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Description = "Open (recover)")]
    public long Recover()
    {
        using var index = FasterBlobIndex.Open(_directory, NullLogger.Instance);
        if (!index.Recovered || index.Count != Entries)
        {
            throw new InvalidOperationException($"recovered {index.Count} entries, expected {Entries}");
        }

        return index.Count;
    }
}
