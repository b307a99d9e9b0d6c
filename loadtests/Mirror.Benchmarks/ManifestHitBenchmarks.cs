using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Mirror.Caching;
using Mirror.Configuration;
using Mirror.Oci;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Benchmarks;

/// <summary>
/// A memory-tier manifest hit, by digest and by a fresh tag, through <see cref="ManifestCache"/> as the request
/// path calls it (the HTTP response itself is not part of it). Target: no allocation beyond the response.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class ManifestHitBenchmarks
{
    private static readonly IReadOnlyList<string> Accept = [MediaTypes.OciManifest];
    private ServiceProvider _services = null!;
    private ManifestCache _cache = null!;
    private UpstreamClient _upstream = null!;
    private PullScope _scope = null!;
    private UpstreamClient _private = null!;
    private PullScope _privateScope = null!;
    private Reference _byDigest = null!;
    private Reference _byTag = null!;
    private string _directory = string.Empty;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = BenchmarkData.NewDirectory();
        var options = Options.Create(new MirrorOptions
        {
            Cache = new CacheOptions { Directory = _directory },
            Upstreams = [new UpstreamOptions { Name = "docker.io", Url = "http://127.0.0.1:9", TagTtl = TimeSpan.FromHours(1) }],
        });
        var services = new ServiceCollection();
        services.AddMemoryCache(o => o.SizeLimit = 64L * 1024 * 1024);
        services.AddHybridCache().AddSerializer<StoredManifest, StoredManifestSerializer>().AddSerializer<TagEntry, TagEntrySerializer>();
        _services = services.BuildServiceProvider();
        var hybrid = _services.GetRequiredService<HybridCache>();
        var small = new SmallObjectCache(hybrid, options);
        var store = new FileManifestStore(_directory);
        var access = new ContentAccessCheck(TimeProvider.System);
        _cache = new ManifestCache(store, new TagStore(_directory), small, access, options, TimeProvider.System, NullLoggerFactory.Instance);
        _upstream = new UpstreamClient(options.Value.Upstreams[0], hybrid, TimeProvider.System, NullLogger.Instance);
        _scope = PullScope.Create(_upstream, RepositoryName.Parse("library/app"), null, "bench");

        // The same hit from an upstream that forwards client credentials: the access decision is remembered, so
        // what this measures is the check's cost on a hit (fingerprinting happens once per request scope).
        _private = new UpstreamClient(new UpstreamOptions { Name = "private.example", Url = "http://127.0.0.1:9", ForwardClientAuthorization = true, AccessCheckTtl = TimeSpan.FromHours(1) }, hybrid, TimeProvider.System, NullLogger.Instance);
        _privateScope = PullScope.Create(_private, RepositoryName.Parse("team/app"), "Basic YWxpY2U6cHc=", "bench");

        var content = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[]}");
        var manifest = new StoredManifest(Digest.Compute(content), MediaTypes.OciManifest, content);
        await store.PutAsync(manifest, CancellationToken.None);
        await small.SetManifestAsync(manifest, share: false, CancellationToken.None);
        var key = new TagKey("docker.io", "library/app", "1", string.Join(',', Accept));
        await small.SetTagAsync(key, new TagEntry(manifest.Digest, manifest.MediaType, DateTimeOffset.UtcNow), CancellationToken.None);
        _byDigest = Reference.ForDigest(manifest.Digest);
        access.Allowed(_privateScope, manifest.Digest);
        Reference.TryParse("1", out var tag);
        _byTag = tag!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _upstream.Dispose();
        _private.Dispose();
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public ValueTask<ManifestLookup> HitByDigest() => _cache.GetAsync(_scope, _byDigest, Accept, CancellationToken.None);

    [Benchmark]
    public ValueTask<ManifestLookup> HitByDigestPrivate() => _cache.GetAsync(_privateScope, _byDigest, Accept, CancellationToken.None);

    [Benchmark]
    public ValueTask<ManifestLookup> HitByTag() => _cache.GetAsync(_scope, _byTag, Accept, CancellationToken.None);
}
