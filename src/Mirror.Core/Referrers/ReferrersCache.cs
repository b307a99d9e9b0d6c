using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Caching;
using Mirror.Configuration;
using Mirror.Oci;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Referrers;

/// <summary>
/// The referrers API (<c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;</c>, OCI distribution 1.1) answered from the
/// cache: a list per (upstream, repository, subject, artifactType filter, credential) is fresh for the upstream's
/// TagTtl, then fetched again, and served stale (with a Warning) within MaxStale while the upstream is down. The
/// artifacts it lists are ordinary manifests and blobs, cached by digest on the client's next requests.
/// </summary>
/// <remarks>
/// <code>
///  list fresh? ──yes──▶ serve
///     │ no (one flight per key)
///     ▼
///  upstream knows the API? ──▶ GET referrers (every page) ─ 200 ─▶ filter here ─ store ─▶ serve (miss)
///     │                              ├ 404 (a 1.0 registry: distribution 2.8) ─▶ remember for 10 min ─┐
///     │                              ├ 401/403 ─▶ that client's answer                               │
///     │                              └ fails ─▶ stale list within MaxStale ─ none? ─┐                │
///     ▼ no                                                                          ▼                ▼
///  the fallback tag sha256-&lt;hex&gt; through the manifest cache (TagTtl, HEAD revalidation, stale) ─▶ its index,
///  filtered here; no such tag ─▶ the empty list
/// </code>
/// The filter is always applied here (an upstream that ignored it changes nothing), so
/// <c>OCI-Filters-Applied: artifactType</c> is true whenever a filter was asked for. Lists from the fallback tag are
/// not stored twice: they are rebuilt from the tag's cached index, which carries the tag's own freshness.
/// </remarks>
internal sealed partial class ReferrersCache
{
    /// <summary>How long a 404 from the referrers endpoint means "this upstream has no referrers API".</summary>
    internal static readonly TimeSpan NoApiRecheck = TimeSpan.FromMinutes(10);

    private const int MaxPages = 16;
    private static readonly string[] IndexOnly = [MediaTypes.OciIndex];

    private readonly ManifestCache _manifests;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, long> _withoutApi = new(StringComparer.OrdinalIgnoreCase);

    public ReferrersCache(ManifestCache manifests, IOptions<MirrorOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        _manifests = manifests;
        _options = options.Value.Cache;
        _time = time;
        _logger = loggers.CreateLogger("Mirror.Referrers");
    }

    /// <summary>The referrers of <paramref name="subject"/> in the scope's repository, only those of <paramref name="artifactType"/> when given.</summary>
    public async ValueTask<ManifestLookup> GetAsync(PullScope scope, Digest subject, string? artifactType, CancellationToken cancellationToken)
    {
        var key = TagKey.ForReferrers(scope.Upstream.Name, scope.Repository.Value, subject, artifactType, scope.CredentialKey);
        if (await FreshAsync(scope, key, cancellationToken).ConfigureAwait(false) is { } fresh)
        {
            return fresh;
        }

        return await _manifests.JoinFlightAsync($"r|{key}", ct => ResolveAsync(scope, subject, artifactType, key, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the upstream is known to answer the referrers API with 404 (a registry before OCI 1.1).</summary>
    public bool IsKnownWithoutApi(UpstreamClient upstream) =>
        _withoutApi.TryGetValue(upstream.Name, out var since) && _time.GetElapsedTime(since) < NoApiRecheck;

    private async ValueTask<ManifestLookup?> FreshAsync(PullScope scope, TagKey key, CancellationToken cancellationToken)
    {
        if (await _manifests.GetTagAsync(key, cancellationToken).ConfigureAwait(false) is { } entry
            && _time.GetUtcNow() - entry.ValidatedAt < scope.Upstream.Options.TagTtl
            && (await _manifests.GetLocalAsync(entry.Digest, cancellationToken).ConfigureAwait(false)) is ({ } list, var source))
        {
            return new ManifestLookup(list, CacheResult.Hit, null) { Source = source };
        }

        return null;
    }

    private async Task<ManifestLookup> ResolveAsync(PullScope scope, Digest subject, string? artifactType, TagKey key, CancellationToken cancellationToken)
    {
        // Someone else's flight may have stored it while this one waited.
        if (await FreshAsync(scope, key, cancellationToken).ConfigureAwait(false) is { } fresh)
        {
            return fresh;
        }

        var upstream = scope.Upstream;
        if (!IsKnownWithoutApi(upstream))
        {
            var fetched = await FetchAsync(scope, subject, artifactType, cancellationToken).ConfigureAwait(false);
            if (fetched.List is { } list)
            {
                var stored = new StoredManifest(Digest.Compute(list), MediaTypes.OciIndex, list);
                await _manifests.KeepAsync(stored, cancellationToken).ConfigureAwait(false);
                await _manifests.SetTagAsync(key, new TagEntry(stored.Digest, stored.MediaType, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                return new ManifestLookup(stored, CacheResult.Miss, null) { Source = CacheSource.Upstream };
            }

            switch (fetched.Status)
            {
                case UpstreamStatus.NotFound:
                    // The spec forbids a 404 from a registry that has the API: this one has not (distribution 2.8).
                    _withoutApi[upstream.Name] = _time.GetTimestamp();
                    Log.NoReferrersApi(_logger, upstream.Name);
                    break;
                case UpstreamStatus.Unauthorized or UpstreamStatus.Denied or UpstreamStatus.ClientError:
                    // The upstream answered this client: it is up, and its answer is not ours to override.
                    return ManifestLookup.Failed(UpstreamErrors.ToOciError(fetched.Status, fetched.Detail, OciError.ManifestUnknown(subject.ToString())));
                default:
                    if (await StaleAsync(scope, key, fetched.Detail, cancellationToken).ConfigureAwait(false) is { } stale)
                    {
                        return stale;
                    }

                    // Nothing kept from the API: a restarted mirror in front of a 1.0 registry still has the tag files.
                    break;
            }
        }

        return await FromFallbackTagAsync(scope, subject, artifactType, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ManifestLookup?> StaleAsync(PullScope scope, TagKey key, string? reason, CancellationToken cancellationToken)
    {
        var options = scope.Upstream.Options;
        if (await _manifests.GetTagAsync(key, cancellationToken).ConfigureAwait(false) is { } entry
            && _time.GetUtcNow() - entry.ValidatedAt <= options.TagTtl + options.MaxStale
            && (await _manifests.GetLocalAsync(entry.Digest, cancellationToken).ConfigureAwait(false)) is ({ } list, var source))
        {
            Log.ServedStale(_logger, scope.Upstream.Name, key.Tag, reason ?? "upstream failed");
            return new ManifestLookup(list, CacheResult.Stale, null) { Source = source, StaleReason = reason ?? "upstream failed" };
        }

        return null;
    }

    /// <summary>The list from the subject's fallback tag: an index of the referrers, pushed by clients of a 1.0 registry.</summary>
    private async Task<ManifestLookup> FromFallbackTagAsync(PullScope scope, Digest subject, string? artifactType, CancellationToken cancellationToken)
    {
        var tag = Reference.TryParse(TagKey.FallbackTag(subject), out var parsed) ? parsed : null;
        var lookup = tag is null ? ManifestLookup.Failed(OciError.ManifestUnknown(subject.ToString())) : await _manifests.GetAsync(scope, tag, IndexOnly, cancellationToken).ConfigureAwait(false);
        if (lookup.Manifest is { } index)
        {
            var list = ReferrersIndex.Build(ReferrersIndex.Descriptors(index.Content.Span, artifactType) ?? []);
            return lookup with { Manifest = new StoredManifest(Digest.Compute(list), MediaTypes.OciIndex, list) };
        }

        return lookup.Error is { StatusCode: 404 }
            ? new ManifestLookup(new StoredManifest(Digest.Compute(ReferrersIndex.Empty), MediaTypes.OciIndex, ReferrersIndex.Empty), CacheResult.Miss, null) { Source = CacheSource.Upstream }
            : lookup;
    }

    private static partial class Log
    {
        [LoggerMessage(3101, LogLevel.Information, "Upstream {Upstream} has no referrers API (404): answering from fallback tags for the next 10 minutes")]
        public static partial void NoReferrersApi(ILogger logger, string upstream);

        [LoggerMessage(3102, LogLevel.Warning, "Serving a stale referrers list from {Upstream} for {Subject}: {Reason}")]
        public static partial void ServedStale(ILogger logger, string upstream, string subject, string reason);
    }
}
