using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
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
/// A <see cref="ManifestCache"/> with <c>tags</c> distinct tags (over 100 repositories) and <c>manifests</c>
/// distinct ~0.8 KB image manifests, all on disk and offered to the memory tier, each looked up once so that the
/// hot dictionaries hold what fits. Built like <c>AddMirror</c> builds it: the MemoryCache bounded by
/// <c>MaxMemorySize</c>, HybridCache's payload limit from <c>MaxManifestSize</c>.
/// </summary>
internal sealed class ManifestTier : IDisposable
{
    public static readonly IReadOnlyList<string> Accept = [MediaTypes.OciManifest];
    private const int Repositories = 100;

    private readonly ServiceProvider _services;
    private readonly UpstreamClient _upstream;
    private readonly string _directory;

    private ManifestTier(ServiceProvider services, UpstreamClient upstream, string directory, ManifestCache cache, PullScope[] scopes)
    {
        _services = services;
        _upstream = upstream;
        _directory = directory;
        Cache = cache;
        Scopes = scopes;
    }

    public ManifestCache Cache { get; }

    public PullScope[] Scopes { get; }

    public Reference[] Digests { get; private set; } = [];

    /// <summary>Tag <c>i</c> lives in <c>Scopes[i % 100]</c>.</summary>
    public Reference[] Tags { get; private set; } = [];

    public PullScope ScopeOfTag(int i) => Scopes[i % Repositories];

    public static async Task<ManifestTier> CreateAsync(int tags, int manifests, long maxMemoryBytes)
    {
        // On tmpfs when there is one: the store fsyncs every manifest, and 100 000 fsyncs on a shared disk made the
        // fill take 1-2 minutes per benchmark case. Reads of stored manifests come from the page cache either way.
        var directory = Directory.Exists("/dev/shm")
            ? Directory.CreateDirectory(Path.Combine("/dev/shm", "mirror-bench-" + Guid.NewGuid().ToString("N"))).FullName
            : BenchmarkData.NewDirectory();
        var options = Options.Create(new MirrorOptions
        {
            Cache = new CacheOptions { Directory = directory, MaxMemorySize = maxMemoryBytes },
            Upstreams = [new UpstreamOptions { Name = "docker.io", Url = "http://127.0.0.1:9", TagTtl = TimeSpan.FromDays(1) }],
        });
        var services = new ServiceCollection();
        services.AddMemoryCache(o => o.SizeLimit = Math.Max(1, maxMemoryBytes));
        services.AddHybridCache(o =>
        {
            o.MaximumPayloadBytes = options.Value.Cache.MaxManifestSize + 4096;
            o.MaximumKeyLength = 2048;
        }).AddSerializer<StoredManifest, StoredManifestSerializer>().AddSerializer<TagEntry, TagEntrySerializer>();
        var provider = services.BuildServiceProvider();
        var hybrid = provider.GetRequiredService<HybridCache>();
        var small = new SmallObjectCache(hybrid, options);
        var store = new FileManifestStore(directory);
        var cache = new ManifestCache(store, new TagStore(directory), small, new ContentAccessCheck(TimeProvider.System), options, TimeProvider.System, NullLoggerFactory.Instance);
        var upstream = new UpstreamClient(options.Value.Upstreams[0], hybrid, TimeProvider.System, NullLogger.Instance);
        var scopes = Enumerable.Range(0, Repositories).Select(r => PullScope.Create(upstream, RepositoryName.Parse($"library/app{r}"), null, "bench")).ToArray();
        var tier = new ManifestTier(provider, upstream, directory, cache, scopes);

        var stored = new StoredManifest[manifests];
        tier.Digests = new Reference[manifests];
        for (var i = 0; i < manifests; i++)
        {
            var content = Content(i);
            stored[i] = new StoredManifest(Digest.Compute(content), MediaTypes.OciManifest, content);
            await store.PutAsync(stored[i], CancellationToken.None);
            await small.SetManifestAsync(stored[i], share: false, CancellationToken.None);
            tier.Digests[i] = Reference.ForDigest(stored[i].Digest);
            await cache.GetAsync(scopes[0], tier.Digests[i], Accept, CancellationToken.None);
        }

        tier.Tags = new Reference[tags];
        var acceptKey = string.Join(',', Accept);
        for (var i = 0; i < tags; i++)
        {
            var scope = tier.ScopeOfTag(i);
            var manifest = stored[i % manifests];
            Reference.TryParse($"t{i}", out var tag);
            tier.Tags[i] = tag!;
            await small.SetTagAsync(new TagKey("docker.io", scope.Repository.Value, $"t{i}", acceptKey), new TagEntry(manifest.Digest, manifest.MediaType, DateTimeOffset.UtcNow), CancellationToken.None);
            await cache.GetAsync(scope, tier.Tags[i], Accept, CancellationToken.None);
        }

        return tier;
    }

    /// <summary>How many MemoryCache entries HybridCache holds now (manifests and tag answers).</summary>
    public long MemoryCacheEntries => _services.GetRequiredService<IMemoryCache>() is MemoryCache memory ? memory.Count : -1;

    public void Dispose()
    {
        _upstream.Dispose();
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A distinct OCI image manifest of ~0.8 KB (config + 3 layers), about what a small image's is.</summary>
    private static byte[] Content(int i)
    {
        static string D(int i, int part) => Digest.Compute(BitConverter.GetBytes(i * 4 + part)).ToString();
        var layers = string.Join(',', Enumerable.Range(1, 3).Select(p =>
            $"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"{D(i, p)}\",\"size\":{1_000_000 + i + p}}}"));
        return Encoding.UTF8.GetBytes(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
            $"\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{D(i, 0)}\",\"size\":{1000 + i}}}," +
            $"\"layers\":[{layers}]}}");
    }
}
