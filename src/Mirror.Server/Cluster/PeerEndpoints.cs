using Mirror.Caching;
using Mirror.Cluster;
using Mirror.Observability;
using Mirror.Oci;
using Mirror.Server.Admin;
using Mirror.Server.Registry;
using Mirror.Upstream;

namespace Mirror.Server.Cluster;

/// <summary>
/// The owner's side of the peer route: a peer's miss is answered from this node's caches, which fill from the
/// upstream — one fetch per cluster, streamed to local clients and peers alike by the same fill.
/// </summary>
/// <remarks>
/// <code>
///  /_mirror/peer/&lt;registry&gt;/&lt;repository&gt;/blobs|manifests/&lt;ref&gt;   GET | HEAD
///    secret? ── no ──▶ 401 UNAUTHORIZED (no Mirror-Peer-Node: the asker treats it as "not a peer")
///    registry configured, credentials not per client? ── no ──▶ 404 / 403
///    relaying this key from a peer itself? ── yes ──▶ 503 + Mirror-Peer-Refused (the asker tries the next node)
///    scope { FromPeer } ─▶ BlobCache / ManifestCache ─▶ (miss) the upstream, never another peer
/// </code>
/// The repository is the upstream's own name (library/ already added): it is not routed again.
/// </remarks>
internal sealed class PeerEndpoints(UpstreamRouter router, BlobCache blobs, ManifestCache manifests, RegistryHandler handler, PeerSecret secret, RelayTracker relays, ClusterMembership membership)
{
    public static void Map(WebApplication app)
    {
        var endpoints = ActivatorUtilities.CreateInstance<PeerEndpoints>(app.Services);
        app.MapGet(PeerProtocol.HealthPath, endpoints.HealthAsync);
        app.MapMethods(PeerProtocol.RoutePrefix + "/{registry}/{**path}", ["GET", "HEAD"], endpoints.HandleAsync);
        app.MapGet("/admin/cluster", endpoints.Members).AddEndpointFilter(AdminEndpoints.AuthorizeAsync);
    }

    /// <summary>
    /// <c>GET /admin/cluster[?key=sha256:…|registry/repository:tag]</c>: the members as this node sees them and, for a
    /// key, who owns it and who takes over — what an operator asks when one node's disk fills faster than the others.
    /// </summary>
    private IResult Members(string? key) => Results.Json(new
    {
        self = membership.Self,
        members = membership.Members.Select(m => new { id = m.Id, self = m.IsSelf, live = membership.Live.Contains(m) }),
        order = key is { Length: > 0 } ? membership.Rank(key).Select(m => m.Id) : null,
    });

    private async Task HealthAsync(HttpContext context)
    {
        if (!await AuthenticateAsync(context))
        {
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsJsonAsync(new { node = membership.Self, live = membership.Live.Count, members = membership.Members.Count }, context.RequestAborted);
    }

    private async Task HandleAsync(HttpContext context, string registry, string path)
    {
        if (!await AuthenticateAsync(context))
        {
            return;
        }

        var parsed = RegistryPath.Parse(path);
        if (router.Find(registry) is not { } upstream)
        {
            await OciErrorWriter.WriteAsync(context, new OciError(404, OciErrorCode.NameUnknown, $"registry '{OciError.Shorten(registry)}' is not mirrored by this node: the cluster's nodes must share their upstreams"));
            return;
        }

        if (upstream.Options.ForwardClientAuthorization)
        {
            await OciErrorWriter.WriteAsync(context, new OciError(403, OciErrorCode.Denied, $"{upstream.Name} forwards client credentials: its content is not relayed between nodes"));
            return;
        }

        if (parsed.Kind is not (RegistryPathKind.Blob or RegistryPathKind.Manifest) || !RepositoryName.TryParse(parsed.Name, out var repository))
        {
            await OciErrorWriter.WriteAsync(context, new OciError(404, OciErrorCode.Unsupported, "not a peer route"));
            return;
        }

        var from = context.Request.Headers[PeerProtocol.FromHeader].FirstOrDefault() ?? RegistryHandler.ClientOf(context);
        var scope = PullScope.Create(upstream, repository, null, "peer " + from) with { FromPeer = true };
        var key = ClusterContentSource.KeyOf(scope, parsed.Kind == RegistryPathKind.Blob
            ? new UpstreamRequest(HttpMethod.Get, repository, $"blobs/{parsed.Reference}")
            : new UpstreamRequest(HttpMethod.Get, repository, $"manifests/{parsed.Reference}"));
        if (relays.IsRelaying(key))
        {
            context.Response.Headers[PeerProtocol.RefusedHeader] = "relaying";
            await OciErrorWriter.WriteAsync(context, new OciError(503, OciErrorCode.Unavailable, "this node is fetching it from a peer itself: ask the next node"));
            return;
        }

        MirrorMetrics.PeerRequests.WithLabels("served").Inc();
        if (parsed.Kind == RegistryPathKind.Blob)
        {
            await BlobAsync(context, scope, parsed.Reference);
        }
        else
        {
            await ManifestAsync(context, scope, parsed.Reference);
        }
    }

    /// <summary>
    /// The secret, compared in constant time. The node header goes on every answer after it, so an asker can tell this
    /// node's "404, the upstream has no such blob" from a stranger's 404.
    /// </summary>
    private async Task<bool> AuthenticateAsync(HttpContext context)
    {
        if (!secret.Matches(context.Request.Headers[PeerProtocol.SecretHeader].FirstOrDefault()))
        {
            MirrorMetrics.PeerRequests.WithLabels("refused").Inc();
            await OciErrorWriter.WriteAsync(context, new OciError(401, OciErrorCode.Unauthorized, "the peer route needs the cluster's secret"));
            return false;
        }

        context.Response.Headers[PeerProtocol.NodeHeader] = membership.Self ?? "unknown";
        return true;
    }

    private async Task BlobAsync(HttpContext context, PullScope scope, string reference)
    {
        if (!Digest.TryParse(reference, out var digest))
        {
            await OciErrorWriter.WriteAsync(context, OciError.DigestInvalid(reference));
            return;
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            var (length, error) = await blobs.HeadAsync(scope, digest, context.RequestAborted);
            if (error is not null)
            {
                await OciErrorWriter.WriteAsync(context, error);
                return;
            }

            context.Response.Headers["Docker-Content-Digest"] = digest.ToString();
            context.Response.ContentLength = length;
            return;
        }

        var opened = await blobs.OpenAsync(scope, digest, context.RequestAborted);
        if (opened.Content is not { } content)
        {
            await OciErrorWriter.WriteAsync(context, opened.Error!);
            return;
        }

        using (content)
        {
            // The same sender as a client's pull: headers first, Range, the last byte held until the digest matched,
            // a failed fill aborts the connection (so the asker resumes elsewhere instead of storing a short blob).
            var served = await handler.SendBlobAsync(context, digest, content, scope.Upstream);
            MirrorMetrics.PeerBytes.WithLabels("out").Inc(served.Bytes);
        }
    }

    private async Task ManifestAsync(HttpContext context, PullScope scope, string reference)
    {
        if (!Reference.TryParse(reference, out var parsed))
        {
            await OciErrorWriter.WriteAsync(context, OciError.ManifestUnknown(reference));
            return;
        }

        // DefaultAccept is what the asking node sends for a client that named no type: keyed here as "anything", so
        // the owner's own clients and its peers share one tag answer (one revalidation per cluster per TagTtl).
        var accept = context.Request.Headers.Accept;
        var accepted = accept.ToString() == MediaTypes.DefaultAccept ? [] : MediaTypes.ParseAccept(accept);
        var lookup = await manifests.GetAsync(scope, parsed, accepted, context.RequestAborted);
        if (lookup.Manifest is not { } manifest)
        {
            await OciErrorWriter.WriteAsync(context, lookup.Error!);
            return;
        }

        var response = context.Response;
        response.ContentType = manifest.MediaType;
        response.ContentLength = manifest.Content.Length;
        response.Headers["Docker-Content-Digest"] = manifest.Digest.ToString();
        response.Headers["X-Mirror-Cache"] = CacheLabels.Of(lookup.Result) + " " + CacheLabels.Of(lookup.Source);
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(manifest.Content, context.RequestAborted);
            MirrorMetrics.PeerBytes.WithLabels("out").Inc(manifest.Content.Length);
        }
    }
}
