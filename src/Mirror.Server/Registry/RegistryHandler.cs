using System.Diagnostics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Primitives;
using Mirror.Access;
using Mirror.Server.Access;
using Mirror.Caching;
using Mirror.Observability;
using Mirror.Oci;
using Mirror.Policy;
using Mirror.Referrers;
using Mirror.Server.Audit;
using Mirror.Upstream;

namespace Mirror.Server.Registry;

/// <summary>
/// The <c>/v2/</c> API: the pull side (manifests and blobs, GET and HEAD) is answered from the cache; the rest is
/// forwarded. Every error is OCI error JSON.
/// </summary>
internal sealed partial class RegistryHandler
{
    private const string ApiVersionHeader = "Docker-Distribution-API-Version";
    private const string DigestHeader = "Docker-Content-Digest";
    private const string CacheHeader = "X-Mirror-Cache";

    private readonly UpstreamRouter _router;
    private readonly BlobCache _blobs;
    private readonly ManifestCache _manifests;
    private readonly PassThrough _passThrough;
    private readonly ILogger _logger;
    private readonly ClientAuthenticator _authenticator;
    private readonly RepositoryAuthorization _authorization;
    private readonly AuditLog _audit;
    private readonly ReferrersCache _referrers;
    private readonly PullPolicy _policy;

    // With any upstream that forwards client credentials, /v2/ must challenge: Docker, podman and skopeo send
    // credentials only after a challenge, and would never send the ones they hold for the mirror.
    private readonly bool _challengeOnBase;

    public RegistryHandler(UpstreamRouter router, BlobCache blobs, ManifestCache manifests, PassThrough passThrough, ClientAuthenticator authenticator, RepositoryAuthorization authorization, AuditLog audit, ReferrersCache referrers, PullPolicy policy, ILogger<RegistryHandler> logger)
    {
        _referrers = referrers;
        _policy = policy;
        _authenticator = authenticator;
        _authorization = authorization;
        _audit = audit;
        _challengeOnBase = router.All.Any(u => u.Options.ForwardClientAuthorization) || authenticator.Enabled;
        _passThrough = passThrough;
        _router = router;
        _blobs = blobs;
        _manifests = manifests;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        context.Response.Headers[ApiVersionHeader] = "registry/2.0";
        var request = context.Request;
        var path = RegistryPath.Parse(request.Path.Value ?? string.Empty, start: "/v2".Length);
        var isRead = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        var served = new Served(CacheResult.Error);
        try
        {
            // Who asks comes first: wrong credentials are refused even where anonymous pulls are allowed. ASP.NET
            // Core's authentication middleware ran the Mirror scheme already (its result is cached for the request);
            // without users configured every client is anonymous and there is nothing to ask.
            var authenticated = _authenticator.Enabled ? await context.AuthenticateAsync(MirrorAuthenticationHandler.SchemeName) : AuthenticateResult.NoResult();
            if (authenticated.Failure is { } failure)
            {
                _audit.LoginFailed(context, failure.Message);
                await ChallengeAsync(context, _authenticator.Enabled, null, $"authentication failed: {failure.Message}");
                return;
            }

            // Without users every client is anonymous; asking would create the request's Items dictionary.
            var identity = _authenticator.Enabled ? MirrorAuthenticationHandler.IdentityOf(context) : ClientIdentity.Anonymous;

            served = (path.Kind, isRead) switch
            {
                (RegistryPathKind.Base, true) => await BaseAsync(context, _challengeOnBase, _authenticator.Enabled),
                (RegistryPathKind.Manifest, true) => await ManifestAsync(context, path, identity),
                (RegistryPathKind.Blob, true) => await BlobAsync(context, path, identity),
                (RegistryPathKind.Referrers, true) => await ReferrersAsync(context, path, identity),
                (RegistryPathKind.Base or RegistryPathKind.Unknown, _) => await OtherAsync(context),
                _ => await _passThrough.ForwardAsync(context, path, identity),
            };
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; a fill it started goes on without it. A hang-up is not a mirror error: the request
            // keeps the result it had when the body started (a cancelled pull of a hit is still a hit).
            served = served with { Result = CacheResult.Error, Bytes = 0 };
        }
        finally
        {
            // Indexes into MirrorMetrics.Kinds: manifest, blob, referrers, other.
            var kind = path.Kind switch
            {
                RegistryPathKind.Manifest when isRead => 0,
                RegistryPathKind.Blob when isRead => 1,
                RegistryPathKind.Referrers when isRead => 2,
                _ => 3,
            };
            var elapsed = Stopwatch.GetElapsedTime(started);
            MirrorMetrics.RequestAnswered(kind, served.Result, elapsed.TotalSeconds);

            // Off by default (a line per request costs more than serving a hit): nothing is formatted unless it is on.
            if (_logger.IsEnabled(LogLevel.Information))
            {
                Log.Request(_logger, request.Method, MirrorMetrics.Kinds[kind], context.Response.StatusCode, ResultName(served.Result), served.Source is { } source ? CacheLabels.Of(source) : "-",
                    served.Bytes, elapsed.TotalMilliseconds, ClientOf(context), served.Upstream ?? "-", Activity.Current?.TraceId.ToHexString() ?? "-");
            }
        }
    }

    private static string ResultName(CacheResult result) => CacheLabels.Of(result);

    /// <summary>The first value of a header, without LINQ's FirstOrDefault (which boxes the StringValues).</summary>
    internal static string? FirstOf(StringValues values) => values.Count > 0 ? values[0] : null;

    private static async Task<Served> BaseAsync(HttpContext context, bool challenge, bool bearer)
    {
        if (challenge && string.IsNullOrEmpty(context.Request.Headers.Authorization))
        {
            await ChallengeAsync(context, bearer, null, "authentication required: docker login to this mirror");
            return CacheResult.Hit;
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = 2;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.WriteAsync("{}", context.RequestAborted);
        }

        return CacheResult.Hit;
    }

    private static async Task<Served> OtherAsync(HttpContext context)
    {
        var read = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        await OciErrorWriter.WriteAsync(context, read
            ? new OciError(404, OciErrorCode.Unsupported, $"{context.Request.Path} is not a registry API route")
            : new OciError(405, OciErrorCode.Unsupported, $"{context.Request.Method} {context.Request.Path} is not supported by this mirror"));
        return CacheResult.Error;
    }

    /// <summary>Who asks, for per-client budgets and fair queueing: the client's address.</summary>
    internal static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "local";

    private async ValueTask<Served> ManifestAsync(HttpContext context, RegistryPath path, ClientIdentity identity)
    {
        var (allowed, routed) = await PullScopeAsync(context, path, identity);
        if (allowed is not { } scope)
        {
            return new Served(CacheResult.Error, Upstream: routed);
        }

        if (!Reference.TryParse(path.Reference, out var reference))
        {
            // As distribution answers: a malformed digest is a bad request; anything else that is neither a tag nor
            // a digest can name no manifest (OCI distribution-spec, "Pulling manifests": 404 MANIFEST_UNKNOWN).
            await OciErrorWriter.WriteAsync(context, path.Reference.Contains(':')
                ? OciError.DigestInvalid(path.Reference)
                : OciError.ManifestUnknown(path.Reference));
            return new Served(CacheResult.Error, Upstream: scope.Upstream.Name);
        }

        if (_policy.IsEnabled && await RefusedByPolicyAsync(context, path, scope, identity, _policy.DenyRepository(scope.Upstream.Name, scope.Repository.Value)))
        {
            return new Served(CacheResult.Error, Upstream: scope.Upstream.Name);
        }

        var acceptHeaders = context.Request.Headers.Accept;
        var accepted = acceptHeaders.Count <= 1 ? MediaTypes.ParseAcceptCached(acceptHeaders.ToString()) : MediaTypes.ParseAccept(acceptHeaders);
        var upstream = scope.Upstream.Name;
        var lookup = await _manifests.GetAsync(scope, reference, accepted, context.RequestAborted);
        if (lookup.Manifest is not { } manifest)
        {
            await WriteUpstreamErrorAsync(context, lookup.Error!, scope.Upstream);
            return new Served(CacheResult.Error, Upstream: upstream);
        }

        if (_policy.IsEnabled && await RefusedByPolicyAsync(context, path, scope, identity, await _policy.DenyManifestAsync(scope, manifest, context.RequestAborted)))
        {
            return new Served(CacheResult.Error, lookup.Source, Upstream: upstream);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = manifest.MediaType;
        response.ContentLength = manifest.Content.Length;
        response.Headers[DigestHeader] = manifest.Digest.ToString();
        response.Headers.ETag = ManifestETags.Of(manifest);
        response.Headers[CacheHeader] = CacheLabels.Header(lookup.Result, lookup.Source);
        if (lookup.Result == CacheResult.Stale)
        {
            response.Headers.Warning = StaleWarning(lookup.StaleReason);
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return new Served(lookup.Result, lookup.Source, 0, upstream);
        }

        await response.Body.WriteAsync(manifest.Content, context.RequestAborted);
        MirrorMetrics.BytesServed(lookup.Source, manifest.Content.Length);
        return new Served(lookup.Result, lookup.Source, manifest.Content.Length, upstream);
    }

    private async ValueTask<Served> BlobAsync(HttpContext context, RegistryPath path, ClientIdentity identity)
    {
        var (allowed, routed) = await PullScopeAsync(context, path, identity);
        if (allowed is not { } scope)
        {
            return new Served(CacheResult.Error, Upstream: routed);
        }

        var upstream = scope.Upstream;
        if (!Digest.TryParse(path.Reference, out var digest))
        {
            await OciErrorWriter.WriteAsync(context, OciError.DigestInvalid(path.Reference));
            return new Served(CacheResult.Error, Upstream: upstream.Name);
        }

        if (_policy.IsEnabled && await RefusedByPolicyAsync(context, path, scope, identity, _policy.DenyRepository(upstream.Name, scope.Repository.Value)))
        {
            return new Served(CacheResult.Error, Upstream: upstream.Name);
        }

        var aborted = context.RequestAborted;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            var (length, headError) = await _blobs.HeadAsync(scope, digest, aborted);
            if (headError is not null)
            {
                await WriteUpstreamErrorAsync(context, headError, upstream);
                return new Served(CacheResult.Error, Upstream: upstream.Name);
            }

            SetBlobHeaders(context.Response, digest);
            context.Response.ContentLength = length;
            return new Served(CacheResult.Hit, Upstream: upstream.Name);
        }

        var opened = await _blobs.OpenAsync(scope, digest, aborted);
        if (opened.Content is not { } content)
        {
            await WriteUpstreamErrorAsync(context, opened.Error!, upstream);
            return new Served(CacheResult.Error, Upstream: upstream.Name);
        }

        using (content)
        {
            return await SendBlobAsync(context, digest, content, upstream);
        }
    }

    /// <summary>
    /// Headers, then the body: <code>length (wait for it only if a Range needs it) ─▶ Range ─▶ headers ─▶ copy ─▶ map the result</code>
    /// </summary>
    internal async Task<Served> SendBlobAsync(HttpContext context, Digest digest, BlobContent content, UpstreamClient upstream)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        var rangeHeader = FirstOf(context.Request.Headers.Range);
        var size = content.Length;
        if (size is null && rangeHeader is not null)
        {
            // An upstream without Content-Length: a range can only be answered once the end is known.
            size = await content.GetLengthAsync(aborted);
            if (size is null)
            {
                await OciErrorWriter.WriteAsync(context, new OciError(502, OciErrorCode.Unavailable, $"fetching {digest} from {upstream.Name} failed"));
                return new Served(CacheResult.Error, Upstream: upstream.Name);
            }
        }

        SetBlobHeaders(response, digest);
        long offset = 0;
        long? count = size;
        if (size is { } total)
        {
            switch (ByteRange.Resolve(rangeHeader, total, out var first, out var last))
            {
                case RangeKind.Malformed:
                    await OciErrorWriter.WriteAsync(context, new OciError(416, OciErrorCode.RangeInvalid, $"unsupported Range '{OciError.Shorten(rangeHeader ?? string.Empty)}': use a single bytes=N- or bytes=N-M range"));
                    return new Served(CacheResult.Error, Upstream: upstream.Name);
                case RangeKind.NotSatisfiable:
                    response.Headers.ContentRange = $"bytes */{total}";
                    await OciErrorWriter.WriteAsync(context, new OciError(416, OciErrorCode.RangeInvalid, $"range '{OciError.Shorten(rangeHeader ?? string.Empty)}' is not satisfiable: the blob has {total} bytes"));
                    return new Served(CacheResult.Error, Upstream: upstream.Name);
                case RangeKind.Satisfiable:
                    response.StatusCode = StatusCodes.Status206PartialContent;
                    response.Headers.ContentRange = $"bytes {first}-{last}/{total}";
                    offset = first;
                    count = last - first + 1;
                    break;
            }

            response.ContentLength = count;
        }

        response.Headers[CacheHeader] = CacheLabels.Header(content.Result, content.Source);

        // Headers go out before the first body byte: a client that joins a slow fill learns the length at once, and
        // a transfer that breaks later is visibly short of it.
        try
        {
            await response.StartAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return new Served(content.Result, content.Source, 0, upstream.Name);
        }

        long sent = 0;
        switch (await content.CopyToAsync(response.BodyWriter, offset, count, aborted))
        {
            case CopyResult.Completed:
                sent = count ?? (await content.GetLengthAsync(aborted) ?? 0) - offset;
                MirrorMetrics.BytesServed(content.Source, sent);
                break;
            case CopyResult.SourceFailed:
                // Never end a short or wrong body as if it were complete: the client must see a broken transfer.
                Log.FillAborted(_logger, digest.ToString(), content.FailureReason ?? "the source failed");
                context.Abort();
                break;
        }

        // A client that hung up keeps the result the request had (a cancelled pull of a hit is still a hit).
        return new Served(content.Result, content.Source, sent, upstream.Name);
    }

    /// <summary>
    /// An error from the upstream. When the upstream forwards client credentials and refused the request, the
    /// client is challenged (Basic) so that Docker, podman or containerd send the credentials they hold for the
    /// mirror; the mirror exchanges them at the upstream's realm.
    /// </summary>
    internal static Task WriteUpstreamErrorAsync(HttpContext context, OciError error, UpstreamClient upstream)
    {
        if (error.Code == OciErrorCode.Unauthorized && upstream.Options.ForwardClientAuthorization)
        {
            context.Response.Headers.WWWAuthenticate = BasicChallenge;
        }

        return OciErrorWriter.WriteAsync(context, error);
    }


    private static void SetBlobHeaders(HttpResponse response, Digest digest)
    {
        response.ContentType = MediaTypes.OctetStream;
        response.Headers[DigestHeader] = digest.ToString();
        response.Headers.ETag = $"\"{digest}\"";
        response.Headers.AcceptRanges = "bytes";
        response.Headers.CacheControl = "max-age=31536000";
    }

    /// <summary>RFC 7234 §5.5.1: 110 "Response is Stale". Deprecated by RFC 9111 but still what proxies and people read.</summary>
    private static string StaleWarning(string? reason) => $"110 mirror \"Response is Stale: {SanitizeHeader(reason)}\"";

    private static string SanitizeHeader(string? value) =>
        new((value ?? string.Empty).Where(c => c is >= ' ' and < (char)127 and not '"').Take(200).ToArray());

    private static partial class Log
    {
        /// <summary>One line per request, every field its own <c>State</c> entry in the json format; TraceId joins it to its trace.</summary>
        [LoggerMessage(4001, LogLevel.Information, "{Method} {Kind} {Status} {Result} from {Source}, {Bytes} bytes in {ElapsedMs:0.0} ms; client {Client}, upstream {Upstream}, trace {TraceId}")]
        public static partial void Request(ILogger logger, string method, string kind, int status, string result, string source, long bytes, double elapsedMs, string client, string upstream, string traceId);

        [LoggerMessage(4002, LogLevel.Warning, "Aborted a client transfer of {Digest}: {Reason}")]
        public static partial void FillAborted(ILogger logger, string digest, string reason);
    }
}
