using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Mirror.Caching;
using Mirror.Configuration;
using Mirror.Oci;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Server.Admin;

/// <summary>
/// Operator endpoints under <c>/admin/</c>: cache statistics, delete one blob, prune by age, invalidate a tag.
/// </summary>
/// <remarks>
/// Access: with <c>Mirror:Admin:Token</c> set, every request needs <c>Authorization: Bearer &lt;token&gt;</c> (compared
/// in constant time), from any address; without it, only loopback clients are served (403 otherwise) — and only
/// when they name a loopback <c>Host</c> (a DNS-rebinding page names its own) and come without proxy headers (behind
/// a local reverse proxy everyone is loopback). A write (POST, DELETE) must also carry
/// <c>Content-Type: application/json</c> or an <c>X-Mirror-Admin</c> header: a cross-site form post can send neither
/// without a CORS preflight, which the mirror never grants. Errors have the registry API's shape,
/// <c>{"errors":[{"code":…,"message":…}]}</c>.
/// </remarks>
public static class AdminEndpoints
{
    public static WebApplication MapMirrorAdmin(this WebApplication app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(AuthorizeAsync);
        admin.MapGet("/cache", GetCache);
        admin.MapDelete("/cache/blobs/{digest}", DeleteBlob);
        admin.MapPost("/prune", Prune);
        admin.MapPost("/tags/invalidate", InvalidateTag);
        admin.MapPost("/prewarm", PrewarmEndpoints.StartAsync);
        admin.MapGet("/jobs", PrewarmEndpoints.List);
        admin.MapGet("/jobs/{id}", PrewarmEndpoints.Get);
        return app;
    }

    /// <summary>The admin API's access rule, as an endpoint filter (also guards /metrics on the registry port).</summary>
    internal static async ValueTask<object?> AuthorizeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var token = http.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.Admin.Token;
        if (Deny(http, token) is { } denied)
        {
            http.RequestServices.GetRequiredService<Audit.AuditLog>().Admin(http, denied.Status);
            if (denied.Status == 401)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"mirror-admin\"";
            }

            return Error(denied.Status, denied.Code, denied.Message);
        }

        var result = await next(context);
        if (!HttpMethods.IsGet(http.Request.Method))
        {
            // Admin writes change the cache for everyone: each one is audited (reads are not, they are frequent).
            http.RequestServices.GetRequiredService<Audit.AuditLog>().Admin(http, result is IStatusCodeHttpResult { StatusCode: { } code } ? code : 200);
        }

        return result;
    }

    /// <summary>Middleware: <c>/metrics</c> on the registry port obeys the admin API's access rule.</summary>
    internal static Task GuardMetricsAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/metrics"))
        {
            return next(context);
        }

        var token = context.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.Admin.Token;
        if (Deny(context, token) is not { } denied)
        {
            return next(context);
        }

        if (denied.Status == 401)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"mirror-admin\"";
        }

        return Error(denied.Status, denied.Code, denied.Message).ExecuteAsync(context);
    }

    /// <summary>Why a request may not use the admin API, or null when it may.</summary>
    internal static (int Status, string Code, string Message)? Deny(HttpContext context, string? token)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
            && !(request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? false)
            && !request.Headers.ContainsKey(WriteHeader))
        {
            return (403, "DENIED", $"admin writes need 'Content-Type: application/json' or an '{WriteHeader}: 1' header (a guard against cross-site requests)");
        }

        if (!string.IsNullOrEmpty(token))
        {
            return BearerMatches(request.Headers.Authorization.ToString(), token)
                ? null
                : (401, "UNAUTHORIZED", "a valid 'Authorization: Bearer <Mirror:Admin:Token>' header is required");
        }

        // No token: loopback only. A missing address (a Unix socket, an in-process test host) is not loopback.
        if (context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
        {
            return (403, "DENIED", "the admin API answers loopback clients only; set Mirror:Admin:Token to allow remote access");
        }

        if (request.Headers.ContainsKey("X-Forwarded-For") || request.Headers.ContainsKey("Forwarded"))
        {
            return (403, "DENIED", "the admin API without Mirror:Admin:Token does not answer requests forwarded by a proxy; set a token");
        }

        return IsLoopbackHost(request.Host.Host)
            ? null
            : (403, "DENIED", "the admin API without Mirror:Admin:Token answers only requests for localhost, 127.0.0.1 or [::1]");
    }

    /// <summary>The header that marks an admin write as deliberate (any value).</summary>
    public const string WriteHeader = "X-Mirror-Admin";

    private static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>Constant-time comparison: hashing both sides first also hides the token's length.</summary>
    private static bool BearerMatches(string header, string token)
    {
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }

    private static IResult GetCache(DiskTier tier, IOptions<MirrorOptions> options)
    {
        var blobs = new Totals();
        var manifests = new Totals();
        foreach (var (key, entry) in tier.Index.Snapshot())
        {
            (key.Kind == BlobKind.Manifest ? manifests : blobs).Add(entry);
        }

        var limits = tier.Limits;
        var health = tier.Health;
        var (evictedFiles, evictedBytes) = tier.Evicted;
        return Results.Json(new
        {
            disk = new
            {
                entries = tier.Index.Count,
                bytes = tier.Index.TotalBytes,
                maxBytes = limits.MaxBytes > 0 ? limits.MaxBytes : (long?)null,
                maxDiskSize = options.Value.Cache.MaxDiskSize,
                highWatermark = limits.HighWatermark,
                lowWatermark = limits.LowWatermark,
                highWatermarkBytes = limits.MaxBytes > 0 ? limits.HighBytes : (long?)null,
                lowWatermarkBytes = limits.MaxBytes > 0 ? limits.LowBytes : (long?)null,
                blobs = blobs.ToJson(),
                manifests = manifests.ToJson(),
                hits = blobs.Hits + manifests.Hits,
                evicted = new { files = evictedFiles, bytes = evictedBytes },
            },
            index = new
            {
                persistent = tier.Index is FasterBlobIndex,
                recovered = tier.Index.Recovered,
            },
            health = new
            {
                writable = health.IsWritable,
                indexLoaded = health.IsIndexLoaded,
                lastError = health.LastError,
            },
        });
    }

    private static IResult DeleteBlob(string digest, DiskTier tier)
    {
        if (!Digest.TryParse(digest, out var parsed))
        {
            var error = OciError.DigestInvalid(digest);
            return Error(400, OciError.CodeName(error.Code), error.Message);
        }

        return tier.Delete(BlobIndexKey.Blob(parsed))
            ? Results.Json(new { deleted = parsed.ToString() })
            : Error(404, "BLOB_UNKNOWN", $"blob unknown to the cache: {parsed}");
    }

    private static IResult Prune(HttpRequest request, DiskTier tier)
    {
        var olderThan = request.Query["olderThan"].ToString();
        if (!ShortDuration.TryParse(olderThan, out var age))
        {
            return Error(400, "PARAMETER_INVALID", olderThan.Length == 0
                ? "olderThan is required, e.g. ?olderThan=24h (units: s, m, h, d)"
                : $"olderThan '{OciError.Shorten(olderThan)}' is not a duration such as 30m, 24h or 7d");
        }

        var (files, bytes) = tier.Prune(age);
        return Results.Json(new { olderThan, files, bytes });
    }

    private static async Task<IResult> InvalidateTag(HttpRequest request, UpstreamRouter router, ManifestCache manifests)
    {
        var registry = request.Query["registry"].ToString().Trim().ToLowerInvariant();
        var name = request.Query["name"].ToString();
        var tag = request.Query["tag"].ToString();
        if (name.Length == 0 || tag.Length == 0)
        {
            return Error(400, "PARAMETER_INVALID", "name and tag are required (registry defaults to Mirror:DefaultUpstream)");
        }

        if (!router.TryRoute(registry.Length == 0 ? null : registry, name, out var upstream, out var repository, out var error))
        {
            return Error(error!.StatusCode, OciError.CodeName(error.Code), error.Message);
        }

        if (!Reference.TryParse(tag, out var reference) || reference.IsDigest)
        {
            return Error(400, "TAG_INVALID", $"'{OciError.Shorten(tag)}' is not a tag");
        }

        await manifests.InvalidateTagAsync(upstream.Name, repository.Value, tag, request.HttpContext.RequestAborted);
        return Results.Json(new { registry = upstream.Name, name = repository.Value, tag });
    }

    internal static IResult Error(int status, string code, string message) =>
        Results.Json(new { errors = new[] { new { code, message } } }, (JsonSerializerOptions?)null, "application/json; charset=utf-8", status);

    private sealed class Totals
    {
        public long Entries { get; private set; }

        public long Bytes { get; private set; }

        public long Hits { get; private set; }

        public void Add(BlobIndexEntry entry)
        {
            Entries++;
            Bytes += entry.Size;
            Hits += entry.HitCount;
        }

        public object ToJson() => new { entries = Entries, bytes = Bytes, hits = Hits };
    }
}
