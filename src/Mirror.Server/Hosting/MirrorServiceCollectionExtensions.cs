using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using Mirror.Access;
using Mirror.Caching;
using Mirror.Observability;
using Prometheus;
using Mirror.Configuration;
using Mirror.Hosting;
using Mirror.Server.Access;
using Mirror.Server.Admin;
using Mirror.Server.Audit;
using Mirror.Server.Cluster;
using Mirror.Server.Registry;
using Mirror.Storage;

namespace Mirror.Server.Hosting;

/// <summary>Registers the HTTP host's parts on top of <see cref="MirrorCoreServiceCollectionExtensions.AddMirrorCore"/>, and maps the endpoints.</summary>
public static class MirrorServiceCollectionExtensions
{
    // What UseAuthentication and UseAuthorization record in the application's properties (see MapMirror).
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";
    private const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";

    private const int ListenBacklog = 4096;

    public static IServiceCollection AddMirror(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMirrorCore(configuration);
        AllowedHosts.Add(services, configuration);
        services.TryAddSingleton<AuditLog>();
        // The Mirror scheme is the default only with users configured. WebApplication puts the authentication
        // middleware in front of every pipeline whose services have schemes, whatever MapMirror does; with a default
        // scheme it would make and run a handler for every request of a mirror that has no users.
        // AddAuthentication() would bring data protection along (for cookie schemes) — its assemblies resident and a
        // hosted service that reads or creates a key ring under ~/.aspnet at every start — for keys nothing here uses
        // (the Mirror scheme is Basic or the mirror's own tokens): the core services, the URL encoder the handler takes,
        // and the scheme are all it needs.
        services.AddAuthenticationCore();
        services.AddWebEncoders();
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, MirrorAuthenticationHandler>(MirrorAuthenticationHandler.SchemeName, null);
        services.AddOptions<AuthenticationOptions>().Configure<ClientAuthenticator>((o, authenticator) =>
        {
            if (authenticator.Enabled)
            {
                o.DefaultScheme = MirrorAuthenticationHandler.SchemeName;
            }
        });
        services.AddAuthorization();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, RepositoryAccessHandler>());
        services.TryAddSingleton<RepositoryAuthorization>();
        services.TryAddSingleton<PassThrough>();
        services.TryAddSingleton<RegistryHandler>();
        services.AddHttpForwarder();

        // A mirror meets its clients all at once (a node pool scaling up, a rollout pulling everywhere): beyond Kestrel's
        // default listen backlog of 512 the kernel drops connection attempts, and clients retry them a second later.
        // The kernel caps this at net.core.somaxconn (4096 on current kernels).
        services.Configure<SocketTransportOptions>(o => o.Backlog = Math.Max(o.Backlog, ListenBacklog));
        ClientLimits.Add(services);
        services.AddMirrorTracing(configuration);
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

        AllowedHosts.Use(app);
        // Authentication first, so the limits partition by the user it found; both only when configured: a mirror
        // without users or limits pays nothing for them per request.
        if (app.Services.GetRequiredService<ClientAuthenticator>().Enabled)
        {
            app.UseAuthentication();
        }
        else
        {
            // WebApplication would add both middlewares in front of the pipeline anyway (it does so whenever their
            // services are registered and UseX was not called): the authentication middleware resolves a scoped
            // provider for every request. The flags are the ones UseAuthentication/UseAuthorization set; should
            // they ever change name, the only cost is that the middlewares run again. Authorization needs no
            // middleware here: no endpoint has authorization metadata, pulls ask RepositoryAuthorization directly.
            ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSetKey] = true;
        }

        ((IApplicationBuilder)app).Properties[AuthorizationMiddlewareSetKey] = true;

        ClientLimits.Use(app);
        if (!options.Metrics.HttpMetrics)
        {
            // /v2 is the whole registry API and has one handler: answered here, before endpoint routing, a hit does not
            // pay for endpoint selection and a catch-all route value. With the generic HTTP metrics on, it goes through
            // routing (the maps below) so that they see its route.
            app.Use((context, next) => context.Request.Path.StartsWithSegments("/v2") ? handler.HandleAsync(context) : next(context));
        }

        if (options.Metrics.Enabled && options.Metrics.Port is null)
        {
            // On the registry port, metrics (upstream names, cache sizes) are for the operator: the admin
            // token, or loopback without one. Mirror:Metrics:Port serves them openly on a port of their own. After
            // /v2's middleware, so that registry requests do not pass through it.
            app.Use(AdminEndpoints.GuardMetricsAsync);
        }

        app.UseRouting();
        if (options.Metrics.HttpMetrics)
        {
            app.UseHttpMetrics();
        }

        app.Map("/v2", handler.HandleAsync);
        app.Map("/v2/{**path}", handler.HandleAsync);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (HttpContext context) => Readiness(context.RequestServices));
        if (options.Metrics.Enabled && options.Metrics.Port is null)
        {
            app.MapMetrics();
        }
        if (options.Cluster.Enabled)
        {
            PeerEndpoints.Map(app);
        }

        app.MapMirrorAdmin();
        TokenEndpoint.Map(app);
        return app;
    }

    /// <summary>
    /// Ready when the cache can be written and its index loaded; otherwise 503 with what is wrong — in words, never
    /// with paths or exception text (probes are often reachable by more than the operator; the log has the detail).
    /// </summary>
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
                reason = !health.IsWritable ? "the cache directory cannot be written (see the log)" : "the persistent index could not be opened (see the log)",
            },
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
