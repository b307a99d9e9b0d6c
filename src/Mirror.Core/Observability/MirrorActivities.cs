using System.Diagnostics;

namespace Mirror.Observability;

/// <summary>
/// Mirror's own spans: one <see cref="ActivitySource"/> named <c>Mirror</c>, its span and attribute names, declared
/// here and nowhere else (as <see cref="MirrorMetrics"/> is for metrics). Only the BCL's
/// <c>System.Diagnostics</c> types: the OpenTelemetry SDK, which listens to this source, is registered by the host.
/// </summary>
/// <remarks>
/// With no listener (tracing off, the default) <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// answers null and every helper here does nothing: call sites pass only values they already have, and anything
/// that costs (a string built for a tag) is behind <c>activity?.</c>, which skips its arguments too.
/// <code>
///  request span (ASP.NET Core) ─▶ manifest.resolve ─▶ tag.revalidate ─▶ HTTP HEAD upstream
///                              │                   └▶ HTTP GET upstream ─▶ token.fetch ─▶ HTTP GET realm
///                              ├▶ access.check ─▶ HTTP HEAD upstream (per-credential upstreams only)
///                              └▶ blob.coalesced ┄┄link┄┄▶ blob.fill (its own trace: it outlives requests)
///  blob.fill ┄┄link┄┄▶ the request that started it;  blob.fill ─▶ HTTP GET upstream (Range: on resume)
/// </code>
/// Attributes are <c>mirror.*</c>, never a secret (no token, no credential, no Authorization); those with few values
/// (upstream, result, outcome, decision) may become span-metric dimensions, the digest must not.
/// </remarks>
internal static class MirrorActivities
{
    public const string SourceName = "Mirror";

    public static readonly ActivitySource Source = new(SourceName, typeof(MirrorActivities).Assembly.GetName().Version?.ToString(3));

    public const string ManifestResolve = "manifest.resolve";
    public const string TagRevalidate = "tag.revalidate";
    public const string BlobFill = "blob.fill";
    public const string BlobCoalesced = "blob.coalesced";
    public const string TokenFetch = "token.fetch";
    public const string AccessCheck = "access.check";

    /// <summary>The configured upstream name (docker.io, ghcr.io, …).</summary>
    public const string UpstreamTag = "mirror.upstream";

    /// <summary><c>tag</c> or <c>digest</c>.</summary>
    public const string ReferenceKindTag = "mirror.reference.kind";

    /// <summary>hit|miss|coalesced|stale|error, as the <c>result</c> metric label.</summary>
    public const string CacheResultTag = "mirror.cache.result";

    /// <summary>memory|disk|upstream, as the <c>source</c> metric label.</summary>
    public const string CacheSourceTag = "mirror.cache.source";

    /// <summary>The HTTP status of an error answer (404, 502, …).</summary>
    public const string ErrorStatusTag = "mirror.error.status";

    /// <summary>same|changed|gone|refused|failed.</summary>
    public const string RevalidateResultTag = "mirror.revalidate.result";

    /// <summary>The blob's digest: many values, never a metric dimension.</summary>
    public const string DigestTag = "mirror.digest";

    /// <summary>Bytes written by a fill (or announced, for a joiner).</summary>
    public const string BytesTag = "mirror.blob.bytes";

    /// <summary>committed|failed.</summary>
    public const string FillOutcomeTag = "mirror.fill.outcome";

    public const string FillResumesTag = "mirror.fill.resumes";

    /// <summary>The token realm's host, never its query or the token.</summary>
    public const string RealmTag = "mirror.token.realm";

    /// <summary>The token scope asked for (<c>repository:library/alpine:pull</c>).</summary>
    public const string ScopeTag = "mirror.token.scope";

    /// <summary>issued|failed.</summary>
    public const string TokenResultTag = "mirror.token.result";

    /// <summary>manifest|blob.</summary>
    public const string ContentKindTag = "mirror.content.kind";

    /// <summary>allowed|refused|unavailable.</summary>
    public const string DecisionTag = "mirror.access.decision";

    /// <summary>True when a remembered decision answered, without asking the upstream.</summary>
    public const string DecisionCachedTag = "mirror.access.cached";

    public static Activity? StartManifestResolve(string upstream, bool byDigest) =>
        Source.StartActivity(ManifestResolve)?
            .SetTag(UpstreamTag, upstream)
            .SetTag(ReferenceKindTag, byDigest ? "digest" : "tag");

    public static Activity? StartTagRevalidate(string upstream) =>
        Source.StartActivity(TagRevalidate)?.SetTag(UpstreamTag, upstream);

    /// <summary>
    /// A fill's span: a root of its own, linked to the span that was current when it started (the request that
    /// missed). The fill serves every joiner and outlives its clients, so it belongs to no one request's trace.
    /// </summary>
    public static Activity? StartBlobFill(string upstream, string digest)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var starter = Activity.Current;

        // Only this flow's copy of Current changes: the fill runs in its own async method, whose changes to the
        // execution context never reach the request that started it.
        Activity.Current = null;
        ActivityLink[]? links = starter is null ? null : [new ActivityLink(starter.Context)];
        return Source.StartActivity(BlobFill, ActivityKind.Internal, default(ActivityContext), links: links)?
            .SetTag(UpstreamTag, upstream)
            .SetTag(DigestTag, digest);
    }

    /// <summary>A request joining a running fill: the wait for its headers, linked to the fill's span.</summary>
    public static Activity? StartBlobCoalesced(string upstream, string digest, Activity? fill)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityLink[]? links = fill is null ? null : [new ActivityLink(fill.Context)];
        return Source.StartActivity(BlobCoalesced, ActivityKind.Internal, default(ActivityContext), links: links)?
            .SetTag(UpstreamTag, upstream)
            .SetTag(DigestTag, digest);
    }

    public static Activity? StartTokenFetch(string upstream, string realmHost, string scope) =>
        Source.StartActivity(TokenFetch)?
            .SetTag(UpstreamTag, upstream)
            .SetTag(RealmTag, realmHost)
            .SetTag(ScopeTag, scope);

    public static Activity? StartAccessCheck(string upstream, bool manifest) =>
        Source.StartActivity(AccessCheck)?
            .SetTag(UpstreamTag, upstream)
            .SetTag(ContentKindTag, manifest ? "manifest" : "blob");

    /// <summary>Marks a span failed: the outcome is the mirror's or its upstream's fault, not the client's.</summary>
    public static void Fail(Activity? activity, string? description) => activity?.SetStatus(ActivityStatusCode.Error, description);
}
