using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Oci;
using Mirror.Server.Access;
using Mirror.Server.Registry;

namespace Mirror.Server.Hosting;

/// <summary>
/// Per-client limits on ASP.NET Core's rate limiter: a token bucket of registry requests per second, and a cap on
/// concurrent blob downloads, both partitioned by the authenticated user (else the client address, resolved through
/// trusted proxies only). A refusal is <c>429</c> with <c>Retry-After</c> and OCI <c>TOOMANYREQUESTS</c>.
/// </summary>
internal static class ClientLimits
{
    public static void Add(IServiceCollection services)
    {
        // Connection and header limits, chosen rather than inherited: a registry request is a short line and a few
        // headers; what is larger is a mistake or an attack.
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;                                  // no product banner for scanners
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;                     // names are ≤ 255, digests ≤ 135
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;            // Accept lists and tokens fit easily
            kestrel.Limits.MaxRequestHeaderCount = 64;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(20);  // slow-loris clients let go
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);        // clients reuse connections across layers
            kestrel.Limits.Http2.MaxStreamsPerConnection = 128;
        });

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<MirrorOptions>>((forwarded, mirror) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            // Exactly the proxies named, not the loopback default: behind a local reverse proxy everyone would
            // otherwise pick their own address.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list is still consulted, and holds loopback by default
            forwarded.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in mirror.Value.Limits.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
            }
        });

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<MirrorOptions>>((limiter, mirror) =>
        {
            var limits = mirror.Value.Limits;
            var requests = limits.RequestsPerSecond > 0
                ? PartitionedRateLimiter.Create<HttpContext, string>(context => context.Request.Path.StartsWithSegments("/v2")
                    ? RateLimitPartition.GetTokenBucketLimiter(ClientKey(context), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.Burst > 0 ? limits.Burst : 2 * limits.RequestsPerSecond,
                        TokensPerPeriod = limits.RequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter(string.Empty))
                : null;
            var streams = limits.ConcurrentBlobStreams > 0
                ? PartitionedRateLimiter.Create<HttpContext, string>(context => IsBlobDownload(context)
                    ? RateLimitPartition.GetConcurrencyLimiter(ClientKey(context), _ => new ConcurrencyLimiterOptions { PermitLimit = limits.ConcurrentBlobStreams, QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter(string.Empty))
                : null;
            limiter.GlobalLimiter = (requests, streams) switch
            {
                ({ } r, { } s) => PartitionedRateLimiter.CreateChained(r, s),
                ({ } r, null) => r,
                (null, { } s) => s,
                _ => null,
            };
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new ValueTask(OciErrorWriter.WriteAsync(rejected.HttpContext, new OciError(429, OciErrorCode.TooManyRequests,
                    $"too many requests from you (Mirror:Limits); retry in {retryAfter} s")));
            };
        });
    }

    public static void Use(WebApplication app)
    {
        // Only with proxies named: the middleware trusts every peer when its lists are empty.
        if (app.Services.GetRequiredService<IOptions<MirrorOptions>>().Value.Limits.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        var limits = app.Services.GetRequiredService<IOptions<MirrorOptions>>().Value.Limits;
        if (limits.RequestsPerSecond > 0 || limits.ConcurrentBlobStreams > 0)
        {
            app.UseRateLimiter();
        }
    }

    /// <summary>The user the authentication middleware found (it runs first), else the client's address.</summary>
    private static string ClientKey(HttpContext context) =>
        MirrorAuthenticationHandler.IdentityOf(context) is { User: { } user }
            ? "user:" + user
            : "address:" + RegistryHandler.ClientOf(context);

    private static bool IsBlobDownload(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method)
        && context.Request.Path.Value is { } path
        && path.Contains("/blobs/", StringComparison.Ordinal)
        && !path.Contains("/blobs/uploads", StringComparison.Ordinal);
}
