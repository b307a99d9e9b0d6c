using System.Collections.Concurrent;
using System.Diagnostics;
using Mirror.Observability;
using Mirror.Oci;
using Mirror.Upstream;

namespace Mirror.Caching;

/// <summary>
/// For an upstream that forwards client credentials, content in the cache is served to a client only after the
/// upstream accepted that client's credentials for that content in that repository: a HEAD with the client's own
/// (exchanged) token, remembered per (credential fingerprint, repository, digest) for AccessCheckTtl. Decisions are
/// never shared between credentials, and a failure to ask is not remembered: the next request asks again.
/// </summary>
/// <remarks>
/// The digest is part of the key because blobs are stored once per digest, not per repository: a client allowed
/// to read <c>its/own</c> must not read another repository's layer by naming its digest under <c>its/own</c>.
/// <code>
///  cached content ─▶ scope per credential? ─no─▶ serve
///        │ yes
///        ▼ decision for (upstream, credential, repository, digest) fresh? ─yes─▶ allowed? serve : refuse
///        │ no (one flight per key)
///        ▼ HEAD upstream with the client's credentials ─ 2xx ─▶ allow ─ 401/403/404 ─▶ refuse (both remembered)
///                                                      └ anything else ─▶ 503, nothing remembered
/// </code>
/// </remarks>
internal sealed class ContentAccessCheck
{
    private const int PurgeAbove = 10_000;
    private static readonly TimeSpan FlightTimeout = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Decision> _decisions = new(StringComparer.Ordinal);
    private readonly SingleFlight<string, TaskFlight<Decision?>> _flights = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public ContentAccessCheck(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Null when the client of <paramref name="scope"/> may read <paramref name="digest"/>; else the error to answer.</summary>
    public async ValueTask<OciError?> CheckAsync(PullScope scope, bool manifest, Digest digest, CancellationToken cancellationToken)
    {
        if (!scope.IsPerCredential)
        {
            return null;
        }

        using var activity = MirrorActivities.StartAccessCheck(scope.Upstream.Name, manifest);
        var key = Key(scope, digest);
        if (_decisions.TryGetValue(key, out var known) && known.ExpiresAt > _time.GetUtcNow())
        {
            Decided(activity, known, cached: true);
            return known.Refusal;
        }

        using var lease = _flights.Join(key, static (_, s) => new TaskFlight<Decision?>(ct => s.self.AskAsync(s.scope, s.manifest, s.digest, ct), FlightTimeout), (self: this, scope, manifest, digest));
        var decision = await lease.Flight.WaitAsync(cancellationToken).ConfigureAwait(false);
        Decided(activity, decision, cached: false);
        if (decision is null)
        {
            return new OciError(503, OciErrorCode.Unavailable, $"{scope.Upstream.Name} could not confirm your access to {scope.Repository}; try again");
        }

        Remember(key, decision);
        return decision.Refusal;
    }

    private static void Decided(Activity? activity, Decision? decision, bool cached)
    {
        activity?.SetTag(MirrorActivities.DecisionTag, decision is null ? "unavailable" : decision.Refusal is null ? "allowed" : "refused")
            .SetTag(MirrorActivities.DecisionCachedTag, cached);
        if (decision is null)
        {
            MirrorActivities.Fail(activity, "the upstream could not be asked");
        }
    }

    /// <summary>The upstream just served this content to this credential: that is an answer too.</summary>
    public void Allowed(PullScope scope, Digest digest)
    {
        if (scope.IsPerCredential)
        {
            Remember(Key(scope, digest), new Decision(null, _time.GetUtcNow() + scope.Upstream.Options.AccessCheckTtl));
        }
    }

    private async Task<Decision?> AskAsync(PullScope scope, bool manifest, Digest digest, CancellationToken cancellationToken)
    {
        var request = manifest ? scope.Manifest(HttpMethod.Head, digest.ToString(), AllManifestTypes) : scope.Blob(HttpMethod.Head, digest);
        using var response = await scope.Upstream.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var expires = _time.GetUtcNow() + scope.Upstream.Options.AccessCheckTtl;
        return response.Status switch
        {
            UpstreamStatus.Ok => new Decision(null, expires),
            UpstreamStatus.Unauthorized or UpstreamStatus.Denied => new Decision(UpstreamErrors.ToOciError(response.Status, response.Detail, OciError.BlobUnknown(digest)), expires),
            UpstreamStatus.NotFound => new Decision(manifest ? OciError.ManifestUnknown($"{scope.Repository}@{digest}") : OciError.BlobUnknown(digest), expires),
            _ => null,
        };
    }

    private void Remember(string key, Decision decision)
    {
        _decisions[key] = decision;
        if (_decisions.Count > PurgeAbove)
        {
            var now = _time.GetUtcNow();
            foreach (var (k, d) in _decisions)
            {
                if (d.ExpiresAt <= now)
                {
                    _decisions.TryRemove(k, out _);
                }
            }
        }
    }

    private static string Key(PullScope scope, Digest digest) => $"{scope.Upstream.Name}|{scope.CredentialKey}|{scope.Repository}|{digest}";

    private static readonly string AllManifestTypes = string.Join(", ", MediaTypes.Known);

    /// <summary>What the upstream said; <see cref="Refusal"/> null means allowed.</summary>
    private sealed record Decision(OciError? Refusal, DateTimeOffset ExpiresAt);
}
