using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Mirror.Caching;

namespace Mirror.Benchmarks;

/// <summary>
/// A memory-tier manifest hit as the number of distinct entries grows (issue #15, "how each figure scales"): 100
/// or 10 000 tags, 1 000 or 100 000 manifests by digest, each hit on the next entry in turn (so the whole set is
/// touched, not one entry that stays in the CPU cache). <see cref="MaxMemoryMiB"/> 64 is the default
/// <c>Mirror:Cache:MaxMemorySize</c>; 1024 is large enough that 100 000 manifests fit the hot dictionary (an eighth
/// of the setting, counted in manifest bytes). Memory per entry: <c>footprint manifests</c> (see Footprint).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class ManifestScaleBenchmarks
{
    private ManifestTier _tier = null!;
    private int _nextDigest;
    private int _nextTag;

    [Params("100/1k", "10k/100k")]
    public string TagsManifests { get; set; } = "100/1k";

    [Params(64, 1024)]
    public int MaxMemoryMiB { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (tags, manifests) = TagsManifests == "100/1k" ? (100, 1_000) : (10_000, 100_000);
        _tier = await ManifestTier.CreateAsync(tags, manifests, MaxMemoryMiB * 1024L * 1024);
    }

    [GlobalCleanup]
    public void Cleanup() => _tier.Dispose();

    [Benchmark]
    public ValueTask<ManifestLookup> HitByDigest()
    {
        var i = _nextDigest++ % _tier.Digests.Length;
        return _tier.Cache.GetAsync(_tier.Scopes[0], _tier.Digests[i], ManifestTier.Accept, CancellationToken.None);
    }

    [Benchmark]
    public ValueTask<ManifestLookup> HitByTag()
    {
        var i = _nextTag++ % _tier.Tags.Length;
        return _tier.Cache.GetAsync(_tier.ScopeOfTag(i), _tier.Tags[i], ManifestTier.Accept, CancellationToken.None);
    }
}
