using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using Mirror.Storage;

namespace Mirror.Benchmarks;

/// <summary>
/// The per-hit cost of the index: <see cref="IBlobIndex.Touch"/> is what every cache hit pays, TryGet what the
/// admin API and eviction pay. 100 000 and 1 000 000 entries; the target is under 5 µs per hit. Keys are hit in
/// turn, so at 1M most of FASTER's records are beyond its 32 MiB in-memory log: those lookups read the log file
/// (the page cache) and a Touch copies the record to the tail.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class IndexLookupBenchmarks
{
    private BlobIndexKey[] _keys = [];
    private IBlobIndex _index = null!;
    private string _directory = string.Empty;
    private int _next;

    [Params(100_000, 1_000_000)]
    public int Entries { get; set; } = 100_000;

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
