using System.Globalization;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mirror.Caching;
using Mirror.Observability;
using Prometheus;
using Mirror.Configuration;
using Mirror.Server.Admin;
using Mirror.Server.Registry;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Server.Hosting;

/// <summary>Registers Mirror's services. <c>TryAdd</c> throughout, so tests can swap a part before calling it.</summary>
public static class MirrorServiceCollectionExtensions
{
    public static IServiceCollection AddMirror(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(MirrorOptions.SectionName);

        // Values that cannot bind, and keys no option has, are found before binding so they are listed with
        // every other configuration error instead of the binder stopping at the first one.
        var rawErrors = ConfigurationCheck.Check(section, typeof(MirrorOptions), out var usable);
        services.AddSingleton<IValidateOptions<MirrorOptions>>(new RawConfigurationErrors(rawErrors));
        services.AddOptions<MirrorOptions>()
            .Configure(options =>
            {
                usable.Bind(options);
            })
            .Configure(options =>
            {
                ApplyUpstreamDefaults(options, usable);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<MirrorOptions>, MirrorOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MirrorOptions>, MirrorOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CacheHealth>();
        services.TryAddSingleton(OpenBlobIndex);
        services.TryAddSingleton(sp => new DiskTier(
            Directory(sp),
            sp.GetRequiredService<IBlobIndex>(),
            DiskTierLimits.From(sp.GetRequiredService<IOptions<MirrorOptions>>().Value.Cache),
            sp.GetRequiredService<CacheHealth>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DiskTier>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DiskTierJanitor>(sp => new DiskTierJanitor(
            sp.GetRequiredService<DiskTier>(),
            sp.GetRequiredService<IOptions<MirrorOptions>>().Value.Cache.IndexCheckpointInterval,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DiskTierJanitor>>())));
        services.TryAddSingleton<IBlobStore>(sp => new FileBlobStore(Directory(sp), sp.GetRequiredService<DiskTier>()));
        services.TryAddSingleton<IManifestStore>(sp => new FileManifestStore(Directory(sp), sp.GetRequiredService<DiskTier>()));
        services.TryAddSingleton(sp => new TagStore(Directory(sp)));
        services.TryAddSingleton<UpstreamRouter>();
        services.TryAddSingleton<BlobCache>();
        services.TryAddSingleton<ManifestCache>();
        services.TryAddSingleton<SmallObjectCache>();
        AddMemoryTier(services, section);
        services.TryAddSingleton<PassThrough>();
        services.TryAddSingleton<RegistryHandler>();
        services.AddHttpForwarder();
        services.AddHostedService<MetricsPortServer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StartupSummary>());
        return services;
    }

    public static WebApplication MapMirror(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MirrorOptions>>().Value;
        var handler = app.Services.GetRequiredService<RegistryHandler>();
        MirrorMetrics.Publish(options.Upstreams.Select(u => u.Name));
        var blobs = app.Services.GetRequiredService<BlobCache>();
        var disk = app.Services.GetRequiredService<DiskTier>();
        var memory = app.Services.GetRequiredService<IMemoryCache>() as MemoryCache;
        MirrorMetrics.CacheMaxBytes.WithLabels("disk").Set(disk.Limits.MaxBytes);
        MirrorMetrics.CacheMaxBytes.WithLabels("memory").Set(options.Cache.MaxMemorySize);
        MirrorMetrics.SetCollector(() =>
        {
            MirrorMetrics.FillsInFlight.Set(blobs.FillsInFlight);
            MirrorMetrics.CoalescedWaiters.Set(blobs.CoalescedWaiters);
            MirrorMetrics.CacheBytes.WithLabels("disk").Set(disk.Index.TotalBytes);
            MirrorMetrics.CacheEntries.WithLabels("disk").Set(disk.Index.Count);
            MirrorMetrics.Evictions.WithLabels("disk").IncTo(disk.Evicted.Files);
            if (memory?.GetCurrentStatistics() is { } stats)
            {
                MirrorMetrics.CacheBytes.WithLabels("memory").Set(stats.CurrentEstimatedSize ?? 0);
                MirrorMetrics.CacheEntries.WithLabels("memory").Set(stats.CurrentEntryCount);
            }
        });

        app.UseRouting();
        app.UseHttpMetrics();
        app.Map("/v2", handler.HandleAsync);
        app.Map("/v2/{**path}", handler.HandleAsync);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (HttpContext context) => Readiness(context.RequestServices));
        if (options.Metrics.Enabled && options.Metrics.Port is null)
        {
            app.MapMetrics();
        }
        app.MapMirrorAdmin();
        return app;
    }

    /// <summary>
    /// The persistent index in <c>&lt;Cache:Directory&gt;/index/</c>; when it cannot even be created (directory
    /// unwritable), an in-memory index stands in and the start goes on: degrade, don't fail.
    /// </summary>
    private static IBlobIndex OpenBlobIndex(IServiceProvider services)
    {
        var health = services.GetRequiredService<CacheHealth>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mirror.Storage.BlobIndex");
        try
        {
            var index = FasterBlobIndex.Open(Path.Combine(Directory(services), "index"), logger);
            health.ReportIndex(loaded: true, error: null);
            return index;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            health.ReportIndex(loaded: false, error: $"{ex.GetType().Name}: {ex.Message}");
            return new InMemoryBlobIndex();
        }
    }

    /// <summary>
    /// HybridCache over a byte-bounded MemoryCache (HybridCache gives every L1 entry its serialized size), with Redis
    /// as the shared second level when <c>Mirror:Cache:Redis</c> is set.
    /// </summary>
    private static void AddMemoryTier(IServiceCollection services, IConfigurationSection section)
    {
        var cache = section.GetSection("Cache");
        // Read leniently: a bad value is reported by the options validation at start, not thrown from here.
        var maxMemory = long.TryParse(cache["MaxMemorySize"], CultureInfo.InvariantCulture, out var m) ? m : new CacheOptions().MaxMemorySize;
        var maxObject = long.TryParse(cache["MaxManifestSize"], CultureInfo.InvariantCulture, out var o) ? o : new CacheOptions().MaxManifestSize;
        services.AddMemoryCache(o =>
        {
            o.SizeLimit = Math.Max(1, maxMemory);
            o.TrackStatistics = true;
        });
        if (cache.GetValue<string?>("Redis") is { Length: > 0 } redis)
        {
            services.AddStackExchangeRedisCache(o =>
            {
                o.Configuration = redis;
                o.InstanceName = "mirror:";
            });
        }

        services.AddHybridCache(o =>
        {
            o.MaximumPayloadBytes = maxObject + 4096;
            o.MaximumKeyLength = 2048;
        })
            .AddSerializer<StoredManifest, StoredManifestSerializer>()
            .AddSerializer<TagEntry, TagEntrySerializer>();
    }

    /// <summary>
    /// <c>Mirror:UpstreamDefaults</c> holds knobs for every upstream (MaxConcurrentFetches, MaxAttempts, TagTtl…);
    /// an upstream's own keys win. Each upstream is bound twice: the defaults first, then its own section.
    /// </summary>
    private static void ApplyUpstreamDefaults(MirrorOptions options, IConfigurationSection section)
    {
        var defaults = section.GetSection("UpstreamDefaults");
        if (!defaults.Exists())
        {
            return;
        }

        var own = section.GetSection("Upstreams").GetChildren()
            .OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue)
            .ToList();
        var upstreams = new List<UpstreamOptions>();
        if (own.Count == 0)
        {
            var hub = new UpstreamOptions();
            defaults.Bind(hub);
            hub.Name = UpstreamOptions.DockerHub;
            upstreams.Add(hub);
        }

        foreach (var child in own)
        {
            var upstream = new UpstreamOptions();
            defaults.Bind(upstream);
            child.Bind(upstream);
            upstreams.Add(upstream);
        }

        options.Upstreams = upstreams;
    }

    /// <summary>Ready when the cache can be written and its index loaded; otherwise 503 with the reason.</summary>
    private static IResult Readiness(IServiceProvider services)
    {
        var health = services.GetService<CacheHealth>();
        if (health is null || (health.IsWritable && health.IsIndexLoaded))
        {
            return Results.Json(new { status = "ready" });
        }

        return Results.Json(
            new
            {
                status = "not ready",
                writable = health.IsWritable,
                indexLoaded = health.IsIndexLoaded,
                lastError = health.LastError?.ToString(),
            },
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static string Directory(IServiceProvider services) =>
        services.GetRequiredService<IOptions<MirrorOptions>>().Value.Cache.Directory;
}
