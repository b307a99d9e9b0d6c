using Mirror.Access;
using Mirror.Caching;
using Mirror.Observability;
using Mirror.Oci;
using Mirror.Policy;

namespace Mirror.Server.Registry;

/// <summary>
/// <c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;[?artifactType=…]</c> from the cache (OCI distribution 1.1), also in
/// front of a registry without the API; and the pull policy's refusals.
/// </summary>
internal sealed partial class RegistryHandler
{
    private const string FiltersAppliedHeader = "OCI-Filters-Applied";

    private async Task<Served> ReferrersAsync(HttpContext context, RegistryPath path, ClientIdentity identity)
    {
        var (allowed, routed) = await PullScopeAsync(context, path, identity);
        if (allowed is not { } scope)
        {
            return new Served(CacheResult.Error, Upstream: routed);
        }

        var upstream = scope.Upstream.Name;
        if (!Digest.TryParse(path.Reference, out var subject))
        {
            await OciErrorWriter.WriteAsync(context, OciError.DigestInvalid(path.Reference));
            return new Served(CacheResult.Error, Upstream: upstream);
        }

        string? artifactType = null;
        if (context.Request.Query.TryGetValue("artifactType", out var filters))
        {
            // One filter: the spec defines artifactType once; a value that is no media type never reaches a key.
            artifactType = filters.Count == 1 ? filters[0] : null;
            if (!MediaTypes.IsMediaType(artifactType))
            {
                await OciErrorWriter.WriteAsync(context, new OciError(400, OciErrorCode.Unsupported, $"artifactType must be one media type (got '{OciError.Shorten(string.Join(",", filters.ToArray()))}')"));
                return new Served(CacheResult.Error, Upstream: upstream);
            }
        }

        if (_policy.IsEnabled && await RefusedByPolicyAsync(context, path, scope, identity, _policy.DenyRepository(upstream, scope.Repository.Value)))
        {
            return new Served(CacheResult.Error, Upstream: upstream);
        }

        var lookup = await _referrers.GetAsync(scope, subject, artifactType, context.RequestAborted);
        if (lookup.Manifest is not { } list)
        {
            await WriteUpstreamErrorAsync(context, lookup.Error!, scope.Upstream);
            return new Served(CacheResult.Error, Upstream: upstream);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = MediaTypes.OciIndex;
        response.ContentLength = list.Content.Length;
        response.Headers["X-Mirror-Cache"] = ResultName(lookup.Result) + " " + CacheLabels.Of(lookup.Source);
        if (artifactType is not null)
        {
            // Always true when asked: the mirror filters every list itself, whatever the upstream did.
            response.Headers[FiltersAppliedHeader] = "artifactType";
        }

        if (lookup.Result == CacheResult.Stale)
        {
            response.Headers.Warning = StaleWarning(lookup.StaleReason);
        }

        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(list.Content, context.RequestAborted);
            MirrorMetrics.BytesServed(lookup.Source, list.Content.Length);
        }

        return new Served(lookup.Result, lookup.Source, HttpMethods.IsHead(context.Request.Method) ? 0 : list.Content.Length, upstream);
    }

    /// <summary>
    /// Answers a policy refusal — 403 DENIED naming the policy and what it refused — and audits it; false when
    /// there is none. The same for a hit and a miss: it runs on what is about to be served.
    /// </summary>
    private async Task<bool> RefusedByPolicyAsync(HttpContext context, RegistryPath path, Upstream.PullScope scope, ClientIdentity identity, PolicyDenial? denial)
    {
        if (denial is null)
        {
            return false;
        }

        _audit.PolicyDenied(context, identity.ToString(), $"{scope}:{path.Reference}", denial);
        MirrorMetrics.PolicyDenials.WithLabels(denial.Policy).Inc();
        await OciErrorWriter.WriteAsync(context, new OciError(403, OciErrorCode.Denied, denial.Message));
        return true;
    }
}
