using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Mirror.Access;
using Mirror.Caching;
using Mirror.Oci;
using Mirror.Server.Access;
using Mirror.Server.Audit;
using Mirror.Upstream;
using Yarp.ReverseProxy.Forwarder;

namespace Mirror.Server.Registry;

/// <summary>
/// Everything under <c>/v2/</c> that the cache does not answer — pushes (uploads, manifest PUT), DELETE, tag lists,
/// the catalog, referrers — goes to the routed upstream through YARP, streaming both ways.
/// </summary>
/// <remarks>
/// <code>
///  client ─▶ route (ns / prefix / default) ─▶ push allowed? ─▶ token for repository:&lt;name&gt;:pull[,push]
///         ─▶ YARP: path rewritten to the upstream's name, ?ns= dropped, Authorization = the mirror's
///         ◀─ Location of upload sessions rewritten back to the mirror; 401/403 become OCI errors
///  manifest PUT/DELETE that succeeded ─▶ the tag is forgotten at once
/// </code>
/// </remarks>
internal sealed partial class PassThrough
{
    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromMinutes(5) };

    private readonly IHttpForwarder _forwarder;
    private readonly UpstreamRouter _router;
    private readonly ManifestCache _manifests;
    private readonly ILogger _logger;
    private readonly ClientAuthenticator _authenticator;
    private readonly RepositoryAuthorization _authorization;
    private readonly AuditLog _audit;

    public PassThrough(IHttpForwarder forwarder, UpstreamRouter router, ManifestCache manifests, ClientAuthenticator authenticator, RepositoryAuthorization authorization, AuditLog audit, ILogger<PassThrough> logger)
    {
        _authenticator = authenticator;
        _authorization = authorization;
        _audit = audit;
        _forwarder = forwarder;
        _router = router;
        _manifests = manifests;
        _logger = logger;
    }

    public async Task<Served> ForwardAsync(HttpContext context, RegistryPath path, ClientIdentity identity)
    {
        var request = context.Request;
        var isWrite = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method));
        var ns = request.Query["ns"].FirstOrDefault();
        UpstreamClient upstream;
        RepositoryName? repository = null;
        if (path.Kind == RegistryPathKind.Catalog)
        {
            if (!string.IsNullOrEmpty(ns) && _router.Find(ns) is null)
            {
                await OciErrorWriter.WriteAsync(context, new OciError(404, OciErrorCode.NameUnknown, $"registry '{ns}' is not mirrored here"));
                return CacheResult.Error;
            }

            upstream = string.IsNullOrEmpty(ns) ? _router.Default : _router.Find(ns)!;
        }
        else if (!_router.TryRoute(ns, path.Name, out upstream, out repository, out var routeError))
        {
            await OciErrorWriter.WriteAsync(context, routeError!);
            return CacheResult.Error;
        }

        if (isWrite && !upstream.Options.AllowPush)
        {
            await OciErrorWriter.WriteAsync(context, new OciError(405, OciErrorCode.Unsupported,
                $"{request.Method} is not allowed: pushes to {upstream.Name} through this mirror are disabled (Mirror:Upstreams:<i>:AllowPush)"));
            return new Served(CacheResult.Error, Upstream: upstream.Name);
        }

        // The same rules as pulls ("403 when the user lacks push permission"), decided before anything is forwarded.
        var action = !isWrite ? AccessAction.Pull : HttpMethods.IsDelete(request.Method) ? AccessAction.Delete : AccessAction.Push;
        var target = $"{upstream.Name}/{repository?.Value ?? "_catalog"}";
        var verb = action.ToString().ToLowerInvariant();
        var challengeScope = repository is null ? null : $"repository:{path.Name}:{(isWrite ? "pull,push" : "pull")}";
        if (_authenticator.Enabled && (isWrite || !_authenticator.AnonymousPull) && identity.IsAnonymous)
        {
            await RegistryHandler.ChallengeAsync(context, bearer: true, challengeScope, $"authentication required to {verb}: docker login to this mirror");
            return new Served(CacheResult.Error, Upstream: upstream.Name);
        }

        // A rule's denial is final (403, what registry users know for a push they may not make); a token that merely
        // lacks the scope is sent back for a new one (401 naming the scope).
        if (repository is not null && await _authorization.DenyAsync(context, identity, upstream.Name, repository.Value, action) is { } denial)
        {
            _audit.Denied(context, identity.ToString(), verb, target, denial);
            await OciErrorWriter.WriteAsync(context, new OciError(403, OciErrorCode.Denied, $"denied: {denial}"));
            return new Served(CacheResult.Error, Upstream: upstream.Name);
        }

        if (repository is not null && !identity.Allows(path.Name, verb))
        {
            await RegistryHandler.ChallengeAsync(context, bearer: true, challengeScope, $"the token does not grant {verb} on {path.Name}: ask for a new one");
            return new Served(CacheResult.Error, Upstream: upstream.Name);
        }

        var scope = repository is null ? TokenScope.Catalog : isWrite ? TokenScope.PullPush(repository) : TokenScope.Pull(repository);

        // A write with ForwardClientAuthorization is the client's own act: its credentials or none, never the
        // mirror's account (which would let anyone who reaches the mirror push and delete as the mirror).
        var authorization = await upstream.AuthorizeAsync(scope, request.Headers.Authorization.FirstOrDefault(), mayUseSharedCredentials: !isWrite, context.RequestAborted);
        // The suffix is taken from the raw path, trailing slash included: distribution answers
        // POST …/blobs/uploads (no slash) with a 301, which a client would follow as a GET.
        var raw = (request.Path.Value ?? string.Empty)["/v2/".Length..];
        var suffix = raw.StartsWith(path.Name, StringComparison.Ordinal) ? raw[path.Name.Length..] : path.Suffix;
        var upstreamPath = repository is null ? "/v2/_catalog" : $"/v2/{repository}{suffix}";

        // Uploads can be any size: the pass-through streams them, so Kestrel's 30 MB default must not apply.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }

        var transformer = new Transformer(upstream, upstreamPath, authorization, path.Name, repository?.Value);
        var error = await _forwarder.SendAsync(context, upstream.BaseUri.AbsoluteUri, upstream.Forwarder, RequestConfig, transformer, context.RequestAborted);
        if (error != ForwarderError.None)
        {
            var detail = context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? error.ToString();
            Log.ForwardFailed(_logger, request.Method, upstream.Name, error.ToString(), detail);
            if (!context.Response.HasStarted && error is not (ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled))
            {
                context.Response.Clear();
                await OciErrorWriter.WriteAsync(context, IsClientFault(error, context.Features.Get<IForwarderErrorFeature>()?.Exception)
                    ? new OciError(400, OciErrorCode.Unsupported, $"the request cannot be forwarded to {upstream.Name} as sent ({error}): check its headers and body")
                    : new OciError(502, OciErrorCode.Unavailable, $"forwarding to {upstream.Name} failed: {error}"));
            }

            return new Served(CacheResult.Error, Upstream: upstream.Name);
        }

        if (isWrite)
        {
            _audit.Wrote(context, identity.ToString(), $"{action.ToString().ToLowerInvariant()} {request.Method}", target + path.Suffix);
        }

        if (path.Kind == RegistryPathKind.Manifest && repository is not null
            && (HttpMethods.IsPut(request.Method) || HttpMethods.IsDelete(request.Method))
            && context.Response.StatusCode is >= 200 and < 300)
        {
            await ForgetAsync(upstream, repository, path.Reference, context.RequestAborted);
        }

        return new Served(CacheResult.Forwarded, CacheSource.Upstream, Upstream: upstream.Name);
    }

    /// <summary>
    /// A request the mirror cannot send on — a broken chunked body from the client, a header value HTTP/1.1 cannot
    /// carry (non-ASCII) — is the client's fault: 400, not a 502 that would blame the upstream.
    /// </summary>
    private static bool IsClientFault(ForwarderError error, Exception? exception)
    {
        if (error is ForwarderError.RequestBodyClient)
        {
            return true;
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is FormatException or ArgumentException or BadHttpRequestException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A pushed or deleted manifest must not be answered from the cache a moment later.</summary>
    private async ValueTask ForgetAsync(UpstreamClient upstream, RepositoryName repository, string reference, CancellationToken cancellationToken)
    {
        if (Reference.TryParse(reference, out var parsed))
        {
            if (parsed.IsDigest)
            {
                await _manifests.ForgetAsync(parsed.Digest, cancellationToken);
            }
            else
            {
                await _manifests.InvalidateTagAsync(upstream.Name, repository.Value, parsed.Tag, cancellationToken);
            }
        }
    }

    internal sealed class Transformer(UpstreamClient upstream, string upstreamPath, string? authorization, string clientName, string? upstreamName) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            var query = QueryString.Create(httpContext.Request.Query.Where(q => q.Key != "ns"));
            proxyRequest.RequestUri = new Uri(upstream.BaseUri.AbsoluteUri.TrimEnd('/') + upstreamPath + query.ToUriComponent());
            proxyRequest.Headers.Host = null;
            proxyRequest.Headers.Authorization = null;
            proxyRequest.Headers.Remove("X-Forwarded-For");
            proxyRequest.Headers.Remove("X-Forwarded-Host");
            proxyRequest.Headers.Remove("X-Forwarded-Proto");
            if (authorization is not null)
            {
                proxyRequest.Headers.TryAddWithoutValidation("Authorization", authorization);
            }
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            if (proxyResponse?.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                // The upstream's challenge would send the client to the upstream's realm for credentials the
                // mirror never forwards: answer with what went wrong instead.
                var unauthorized = proxyResponse.StatusCode == HttpStatusCode.Unauthorized;
                if (upstream.Options.ForwardClientAuthorization)
                {
                    // The client's own credentials (or none) were refused: ask for them, as a registry would.
                    if (unauthorized)
                    {
                        httpContext.Response.Headers.WWWAuthenticate = "Basic realm=\"mirror\"";
                    }

                    await OciErrorWriter.WriteAsync(httpContext, unauthorized
                        ? new OciError(401, OciErrorCode.Unauthorized, $"{upstream.Name} needs your credentials for {httpContext.Request.Method}: log in to the mirror with your {upstream.Name} account")
                        : new OciError(403, OciErrorCode.Denied, $"{upstream.Name} denied {httpContext.Request.Method}: your credentials lack {(HttpMethods.IsGet(httpContext.Request.Method) ? "pull" : "push")} permission"));
                    return false;
                }

                await OciErrorWriter.WriteAsync(httpContext, unauthorized
                    ? new OciError(401, OciErrorCode.Unauthorized, $"{upstream.Name} refused the mirror's credentials for {httpContext.Request.Method} (configure Username/Password with push permission)")
                    : new OciError(403, OciErrorCode.Denied, $"{upstream.Name} denied {httpContext.Request.Method}: the mirror's credentials lack {(HttpMethods.IsGet(httpContext.Request.Method) ? "pull" : "push")} permission"));
                return false;
            }

            await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            var headers = httpContext.Response.Headers;
            headers.Remove("WWW-Authenticate");
            headers["Docker-Distribution-API-Version"] = "registry/2.0"; // one, not ours and the upstream's
            if (headers.Location.FirstOrDefault() is { } location)
            {
                headers.Location = RewriteLocation(location, upstream.BaseUri, upstreamName, clientName);
            }

            return true;
        }

        /// <summary>
        /// Upload sessions continue at the <c>Location</c> the upstream gives; the client must keep talking to the
        /// mirror, under the name it used (<c>/v2/ghcr.io/org/app/…</c> stays prefixed).
        /// </summary>
        /// <param name="location">The upstream's <c>Location</c>, absolute or relative.</param>
        /// <param name="upstreamBaseUri">The upstream's address: a Location on another host is left alone.</param>
        /// <param name="upstreamName">The repository name as the upstream knows it (null when the path had none).</param>
        /// <param name="clientName">The name as the client wrote it (with any registry prefix).</param>
        internal static string RewriteLocation(string location, Uri upstreamBaseUri, string? upstreamName, string clientName)
        {
            if (!Uri.TryCreate(location, UriKind.RelativeOrAbsolute, out var uri))
            {
                return location;
            }

            if (uri.IsAbsoluteUri)
            {
                // A Location on another host (object storage for uploads) is for the client to follow as is.
                if (!string.Equals(uri.Authority, upstreamBaseUri.Authority, StringComparison.OrdinalIgnoreCase))
                {
                    return location;
                }

                location = uri.PathAndQuery;
            }

            var upstreamPrefix = $"/v2/{upstreamName}/";
            return upstreamName is not null && location.StartsWith(upstreamPrefix, StringComparison.Ordinal)
                ? $"/v2/{clientName}/{location[upstreamPrefix.Length..]}"
                : location;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4101, LogLevel.Warning, "Forwarding {Method} to {Upstream} failed: {Error} ({Detail})")]
        public static partial void ForwardFailed(ILogger logger, string method, string upstream, string error, string detail);
    }
}
