using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Access;
using Mirror.Caching;
using Mirror.Cluster;
using Mirror.Configuration;
using Mirror.Policy;
using Mirror.Prewarm;
using Mirror.Referrers;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Hosting;

/// <summary>
/// Registers everything but the HTTP host: options (checked and validated at start), the disk tier, the memory
/// tier, the upstream clients and the caches. <c>TryAdd</c> throughout, so tests can swap a part before calling it.
/// Everything reads <see cref="MirrorOptions"/> through <see cref="IOptions{TOptions}"/>; only the configuration
/// check reads the raw section, to report what cannot bind.
/// </summary>
public static class MirrorCoreServiceCollectionExtensions
{
    public static IServiceCollection AddMirrorCore(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(MirrorOptions.SectionName);

        // Values that cannot bind, and keys no option has, are found before binding so they are listed with
        // every other configuration error instead of the binder stopping at the first one.
        var rawErrors = ConfigurationCheck.Check(section, typeof(MirrorOptions), out var usable);
        services.AddSingleton<IValidateOptions<MirrorOptions>>(new RawConfigurationErrors(rawErrors));
        services.AddOptions<MirrorOptions>()
            .Configure(options => usable.Bind(options))
            .Configure(options => UpstreamDefaults.Apply(options, usable))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<MirrorOptions>, MirrorOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MirrorOptions>, MirrorOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new CacheLayout(Options(sp).Cache.Directory));
        services.TryAddSingleton<CacheHealth>();
        services.TryAddSingleton(OpenBlobIndex);
        services.TryAddSingleton(sp => new DiskTier(
            sp.GetRequiredService<CacheLayout>().Root,
            sp.GetRequiredService<IBlobIndex>(),
            DiskTierLimits.From(Options(sp).Cache),
            sp.GetRequiredService<CacheHealth>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DiskTier>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DiskTierJanitor>(sp => new DiskTierJanitor(
            sp.GetRequiredService<DiskTier>(),
            Options(sp).Cache.IndexCheckpointInterval,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DiskTierJanitor>>())));
        services.TryAddSingleton<IBlobStore>(sp => new FileBlobStore(sp.GetRequiredService<CacheLayout>(), sp.GetRequiredService<DiskTier>()));
        services.TryAddSingleton<IManifestStore>(sp => new FileManifestStore(sp.GetRequiredService<CacheLayout>(), sp.GetRequiredService<DiskTier>()));
        services.TryAddSingleton(sp => new TagStore(sp.GetRequiredService<CacheLayout>()));
        services.TryAddSingleton<UpstreamRouter>();
        services.TryAddSingleton<ContentAccessCheck>();
        AddCluster(services);
        services.TryAddSingleton<BlobCache>();
        services.TryAddSingleton<ManifestCache>();
        services.TryAddSingleton<SmallObjectCache>();
        services.TryAddSingleton<ReferrersCache>();
        services.TryAddSingleton<PullPolicy>();
        services.TryAddSingleton<ClientAuthenticator>();
        services.TryAddSingleton<AccessPolicy>();
        services.TryAddSingleton<TokenService>();
        services.TryAddSingleton<PrewarmRunner>();
        services.TryAddSingleton<PrewarmService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PrewarmService>(sp => sp.GetRequiredService<PrewarmService>()));
        AddMemoryTier(services);
        return services;
    }

    /// <summary>
    /// Membership, the peer client and the cluster's content source; without <c>Mirror:Cluster</c> the caches get the
    /// plain upstream source and no peer is ever asked.
    /// </summary>
    private static void AddCluster(IServiceCollection services)
    {
        foreach (var part in new[] { typeof(PeerSecret), typeof(PeerClient), typeof(RelayTracker), typeof(ClusterMembership), typeof(ClusterContentSource) })
        {
            services.TryAddSingleton(part);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClusterMembership>(sp => sp.GetRequiredService<ClusterMembership>()));
        services.TryAddSingleton<IContentSource>(sp => Options(sp).Cluster.Enabled
            ? sp.GetRequiredService<ClusterContentSource>()
            : UpstreamContentSource.Instance);
    }

    /// <summary>
    /// HybridCache over a byte-bounded MemoryCache (HybridCache gives every L1 entry its serialized size), with Redis
    /// as the shared second level when <c>Mirror:Cache:Redis</c> is set.
    /// </summary>
    private static void AddMemoryTier(IServiceCollection services)
    {
        services.AddMemoryCache();
        services.AddOptions<MemoryCacheOptions>().Configure<IOptions<MirrorOptions>>((memory, mirror) =>
        {
            memory.SizeLimit = Math.Max(1, mirror.Value.Cache.MaxMemorySize);
            memory.TrackStatistics = true;
        });

        // HybridCache asks for an IDistributedCache and uses none when there is none: without Redis configured the
        // factory answers null, and the memory tier stays in this process.
        services.TryAddSingleton<IDistributedCache>(sp => Options(sp).Cache.Redis is { Length: > 0 } redis ? Redis(redis) : null!);
        services.AddHybridCache()
            .AddSerializer<StoredManifest, StoredManifestSerializer>()
            .AddSerializer<TagEntry, TagEntrySerializer>();
        services.AddOptions<HybridCacheOptions>().Configure<IOptions<MirrorOptions>>((hybrid, mirror) =>
        {
            hybrid.MaximumPayloadBytes = mirror.Value.Cache.MaxManifestSize + 4096;
            hybrid.MaximumKeyLength = 2048;
        });
    }

    /// <summary>
    /// Only called with Redis configured: its own method so that the Redis client's assemblies (a megabyte of
    /// resident code) are loaded then, not whenever the factory above is compiled.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static IDistributedCache Redis(string configuration) =>
        new RedisCache(Microsoft.Extensions.Options.Options.Create(new RedisCacheOptions { Configuration = configuration, InstanceName = "mirror:" }));

    /// <summary>
    /// The persistent index in <see cref="CacheLayout.Index"/>; when it cannot even be created (directory unwritable),
    /// an in-memory index stands in and the start goes on: degrade, don't fail.
    /// </summary>
    private static IBlobIndex OpenBlobIndex(IServiceProvider services)
    {
        var health = services.GetRequiredService<CacheHealth>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mirror.Storage.BlobIndex");
        try
        {
            var index = FasterBlobIndex.Open(services.GetRequiredService<CacheLayout>().Index, logger);
            health.ReportIndex(loaded: true, error: null);
            return index;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            health.ReportIndex(loaded: false, error: $"{ex.GetType().Name}: {ex.Message}");
            return new InMemoryBlobIndex();
        }
    }

    private static MirrorOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<MirrorOptions>>().Value;
}
