using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using Mirror.Storage;

namespace Mirror.Benchmarks;

/// <summary>
/// The per-hit cost of the index: <see cref="IBlobIndex.Touch"/> is what every cache hit pays, TryGet what the
/// admin API and eviction pay. 100 000 entries; the target is under 5 µs per hit.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class IndexLookupBenchmarks
{
    private const int Entries = 100_000;
    private BlobIndexKey[] _keys = [];
    private IBlobIndex _index = null!;
    private string _directory = string.Empty;
    private int _next;

    [Params("faster", "memory")]
    public string Index { get; set; } = "faster";

    [GlobalSetup]
    public void Setup()
    {
        _directory = BenchmarkData.NewDirectory();
        _keys = BenchmarkData.Keys(Entries);
        _index = Index == "faster" ? FasterBlobIndex.Open(_directory, NullLogger.Instance) : new InMemoryBlobIndex();
        BenchmarkData.Fill(_index, _keys);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _index.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "Touch (a cache hit)")]
    public bool Touch() => _index.Touch(_keys[_next++ % Entries], BenchmarkData.T0);

    [Benchmark(Description = "TryGet")]
    public bool TryGet() => _index.TryGet(_keys[_next++ % Entries], out _);
}
