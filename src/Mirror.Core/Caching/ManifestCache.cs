using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Observability;
using Mirror.Oci;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Caching;

/// <summary>
/// Manifests: by digest they are immutable (memory → disk → upstream); by tag they go through a tag → digest
/// answer that is fresh for TagTtl, then revalidated with a HEAD (free against Docker Hub's pull limit), and
/// served stale within MaxStale when the upstream fails.
/// </summary>
/// <remarks>
/// <code>
///  tag ─▶ answer fresh? ──yes──▶ content by digest (memory → disk)
///            │ no / none
///            ▼ (one flight per tag key)
///        answer + content cached? ──yes──▶ HEAD upstream ─ same digest ─▶ refresh answer, serve cached
///            │ no                              │ other digest ─▶ GET
///            ▼                                 │ 404 ─▶ forget the tag, 404
///        GET upstream ─ verify ─ store          ├ 401/403 ─▶ that client's answer (challenge), never stale
///                                               └ fails ─▶ serve stale (Warning) within MaxStale, else error
/// </code>
/// Everything keyed here carries the scope's credential key: for an upstream that forwards client credentials,
/// tag answers, flights and remembered 404s are per credential, and content by digest passes
/// <see cref="ContentAccessCheck"/> first. Flights and 404s by digest are per (upstream, repository) too: a 404
/// for one repository says nothing about another.
/// </remarks>
internal sealed partial class ManifestCache
{
    private static readonly TimeSpan FlightTimeout = TimeSpan.FromMinutes(2);
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<string>, string> AcceptKeys = [];

    private readonly IManifestStore _store;
    private readonly TagStore _tags;
    private readonly SmallObjectCache _small;
    private readonly ContentAccessCheck _access;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IContentSource _source;
    private readonly SingleFlight<string, TaskFlight<ManifestLookup>> _flights = new(StringComparer.Ordinal);
    private readonly HotTags _hot;
    private readonly HotManifests _hotManifests;

    public ManifestCache(IManifestStore store, TagStore tags, SmallObjectCache small, ContentAccessCheck access, IOptions<MirrorOptions> options, TimeProvider time, ILoggerFactory loggers, IContentSource? source = null)
    {
        _source = source ?? UpstreamContentSource.Instance;
        _access = access;
        _small = small;
        _store = store;
        _tags = tags;
        _options = options.Value.Cache;
        // Each front holds at most an eighth of the memory tier's size on top of it (references to manifests it may also hold).
        _hot = new HotTags(_options.MaxMemorySize / 8);
        _hotManifests = new HotManifests(_options.MaxMemorySize / 8);
        _time = time;
        _logger = loggers.CreateLogger("Mirror.Manifests");
    }

    public TagStore Tags => _tags;

    /// <summary>
    /// The manifest for <paramref name="reference"/>, from the nearest tier that has it. With tracing off this is
    /// the lookup itself: the span's wrapper costs a listener check, not a state machine.
    /// </summary>
    public ValueTask<ManifestLookup> GetAsync(PullScope scope, Reference reference, IReadOnlyList<string> accepted, CancellationToken cancellationToken) =>
        MirrorActivities.Source.HasListeners()
            ? GetTracedAsync(scope, reference, accepted, cancellationToken)
            : ResolveAsync(scope, reference, accepted, cancellationToken);

    private async ValueTask<ManifestLookup> GetTracedAsync(PullScope scope, Reference reference, IReadOnlyList<string> accepted, CancellationToken cancellationToken)
    {
        using var activity = MirrorActivities.StartManifestResolve(scope.Upstream.Name, reference.IsDigest);
        var lookup = await ResolveAsync(scope, reference, accepted, cancellationToken).ConfigureAwait(false);
        if (activity is not null)
        {
            activity.SetTag(MirrorActivities.CacheResultTag, CacheLabels.Of(lookup.Result));
            if (lookup.Manifest is not null)
            {
                activity.SetTag(MirrorActivities.CacheSourceTag, CacheLabels.Of(lookup.Source));
            }
            else if (lookup.Error is { } error)
            {
                activity.SetTag(MirrorActivities.ErrorStatusTag, error.StatusCode);
                if (error.StatusCode >= 500)
                {
                    MirrorActivities.Fail(activity, error.Message);
                }
            }
        }

        return lookup;
    }

    /// <summary>
    /// A fresh tag answer in <see cref="HotTags"/>, or shared content by digest in <see cref="HotManifests"/>, is
    /// served without the slow path's state machine; private content by digest always takes it (the access check).
    /// </summary>
    private ValueTask<ManifestLookup> ResolveAsync(PullScope scope, Reference reference, IReadOnlyList<string> accepted, CancellationToken cancellationToken)
    {
        if (reference.IsDigest)
        {
            return !scope.IsPerCredential && _hotManifests.TryGet(reference.Digest, out var byDigest) && MediaTypes.IsAcceptable(byDigest.MediaType, accepted)
                ? new(new ManifestLookup(byDigest, CacheResult.Hit, null) { Source = CacheSource.Memory })
                : ResolveSlowAsync(scope, reference, accepted, cancellationToken);
        }

        return _hot.TryGet(scope.Upstream.Name, scope.Repository.Value, reference.Tag, AcceptKey(accepted), scope.CredentialKey, out var entry, out var manifest)
            && _time.GetUtcNow() - entry.ValidatedAt < FreshFor(scope)
                ? new(new ManifestLookup(manifest, CacheResult.Hit, null) { Source = CacheSource.Memory })
                : ResolveSlowAsync(scope, reference, accepted, cancellationToken);
    }

    private async ValueTask<ManifestLookup> ResolveSlowAsync(PullScope scope, Reference reference, IReadOnlyList<string> accepted, CancellationToken cancellationToken)
    {
        var upstream = scope.Upstream;
        if (reference.IsDigest)
        {
            var digest = reference.Digest;
            var (local, source) = await GetLocalAsync(digest, cancellationToken).ConfigureAwait(false);
            if (local is not null && MediaTypes.IsAcceptable(local.MediaType, accepted))
            {
                // Shared content needs no check: the hot path stays free of the access check's state machine.
                if (scope.IsPerCredential && await _access.CheckAsync(scope, manifest: true, digest, cancellationToken).ConfigureAwait(false) is { } refused)
                {
                    return ManifestLookup.Failed(refused);
                }

                return new ManifestLookup(local, CacheResult.Hit, null) { Source = source };
            }

            return await RunFlightAsync(
                $"d|{upstream.Name}|{scope.Repository}|{digest}|{AcceptKey(accepted)}|{scope.CredentialKey}",
                null,
                upstream.Options.NegativeTtl,
                ct => FetchAsync(scope, digest.ToString(), accepted, digest, ct),
                cancellationToken).ConfigureAwait(false);
        }

        var seen = _hot.Generation;
        var key = new TagKey(upstream.Name, scope.Repository.Value, reference.Tag, AcceptKey(accepted), scope.CredentialKey);
        if (await GetTagAsync(key, cancellationToken).ConfigureAwait(false) is { } entry && _time.GetUtcNow() - entry.ValidatedAt < FreshFor(scope))
        {
            var (local, source) = await GetLocalAsync(entry.Digest, cancellationToken).ConfigureAwait(false);
            if (local is not null)
            {
                _hot.Add(key, entry, local, seen);
                return new ManifestLookup(local, CacheResult.Hit, null) { Source = source };
            }
        }

        return await RunFlightAsync(
            $"t|{key}",
            key,
            upstream.Options.NegativeTtl,
            ct => ResolveTagAsync(scope, reference.Tag, key, accepted, ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// How long a tag answer is used without asking: TagTtl, and for a per-credential answer no longer than the
    /// access check would trust that credential.
    /// </summary>
    private static TimeSpan FreshFor(PullScope scope) =>
        scope.IsPerCredential && scope.Upstream.Options.AccessCheckTtl < scope.Upstream.Options.TagTtl
            ? scope.Upstream.Options.AccessCheckTtl
            : scope.Upstream.Options.TagTtl;

    /// <summary>Drops a manifest (deleted upstream through the mirror) from both tiers.</summary>
    public async ValueTask ForgetAsync(Digest digest, CancellationToken cancellationToken)
    {
        _hot.Forget(digest);
        _hotManifests.Remove(digest);
        await _small.RemoveManifestAsync(digest, cancellationToken).ConfigureAwait(false);
        _store.Delete(digest);
    }

    /// <summary>Forgets a tag (all Accept variants) so the next request asks the upstream.</summary>
    public async ValueTask InvalidateTagAsync(string registry, string repository, string tag, CancellationToken cancellationToken)
    {
        _hot.Invalidate(registry, repository, tag);
        _tags.Invalidate(registry, repository, tag);
        await _small.InvalidateTagAsync(registry, repository, tag, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A tag answer: memory (or the shared second level), else the tag files on disk.</summary>
    /// <remarks>Also the referrers lists' store (<see cref="Referrers.ReferrersCache"/>): a name → digest answer with its validation time.</remarks>
    internal async ValueTask<TagEntry?> GetTagAsync(TagKey key, CancellationToken cancellationToken)
    {
        if (await _small.GetTagAsync(key, cancellationToken).ConfigureAwait(false) is { } hot)
        {
            return hot;
        }

        // Per-credential answers live in memory only (their keys are this process's fingerprints).
        var stored = key.Credential.Length == 0 ? await _tags.GetAsync(key, cancellationToken).ConfigureAwait(false) : null;
        if (stored is not null)
        {
            await _small.SetTagAsync(key, stored, cancellationToken).ConfigureAwait(false);
        }

        return stored;
    }

    internal async ValueTask SetTagAsync(TagKey key, TagEntry entry, CancellationToken cancellationToken)
    {
        _hot.Remove(key);
        if (key.Credential.Length == 0)
        {
            _tags.Set(key, entry);
        }

        await _small.SetTagAsync(key, entry, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask RemoveTagAsync(TagKey key, CancellationToken cancellationToken)
    {
        _hot.Remove(key);
        _tags.Remove(key);
        await _small.RemoveTagAsync(key, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ManifestLookup> RunFlightAsync(string key, TagKey? tag, TimeSpan negativeTtl, Func<CancellationToken, Task<ManifestLookup>> work, CancellationToken cancellationToken)
    {
        // A 404 is remembered for NegativeTtl: a storm of pulls of a missing tag costs one upstream request.
        if (negativeTtl > TimeSpan.Zero && await _small.GetNotFoundAsync(key, cancellationToken).ConfigureAwait(false) is { } missing)
        {
            return ManifestLookup.Failed(new OciError(404, OciErrorCode.ManifestUnknown, missing));
        }

        var fetched = await JoinFlightAsync(key, work, cancellationToken).ConfigureAwait(false);
        if (negativeTtl > TimeSpan.Zero && fetched.Error is { StatusCode: 404 } notFound)
        {
            await _small.SetNotFoundAsync(key, notFound.Message, tag, negativeTtl, cancellationToken).ConfigureAwait(false);
        }

        return fetched;
    }

    /// <summary>Joins (or starts) the flight for <paramref name="key"/>; referrers lists fly here too, under keys of their own (<c>r|…</c>).</summary>
    internal async ValueTask<ManifestLookup> JoinFlightAsync(string key, Func<CancellationToken, Task<ManifestLookup>> work, CancellationToken cancellationToken)
    {
        // The flight finishes even if every client leaves: the answer is cached for the next one.
        using var lease = _flights.Join(key, static (_, w) => new TaskFlight<ManifestLookup>(w, FlightTimeout, cancelWhenAbandoned: false), work);
        var result = await lease.Flight.WaitAsync(cancellationToken).ConfigureAwait(false);
        return !lease.IsOwner && result.Result == CacheResult.Miss ? result with { Result = CacheResult.Coalesced } : result;
    }

    private async Task<ManifestLookup> ResolveTagAsync(PullScope scope, string tag, TagKey key, IReadOnlyList<string> accepted, CancellationToken cancellationToken)
    {
        var upstream = scope.Upstream;
        var entry = await GetTagAsync(key, cancellationToken).ConfigureAwait(false);
        var (cached, source) = entry is null ? (null, CacheSource.Disk) : await GetLocalAsync(entry.Digest, cancellationToken).ConfigureAwait(false);
        if (entry is not null && cached is not null)
        {
            // Someone else may have revalidated while this flight was queued behind theirs.
            if (_time.GetUtcNow() - entry.ValidatedAt < FreshFor(scope))
            {
                return new ManifestLookup(cached, CacheResult.Hit, null) { Source = source };
            }

            // The span ends with the HEAD: a changed tag's GET that follows belongs to manifest.resolve.
            using var revalidate = MirrorActivities.StartTagRevalidate(upstream.Name);
            using var head = await _source.SendAsync(scope, scope.Manifest(HttpMethod.Head, tag, AcceptHeader(accepted)), cancellationToken).ConfigureAwait(false);
            var same = head.Status == UpstreamStatus.Ok && Digest.TryParse(head.DockerContentDigest, out var current) && current == entry.Digest;
            if (revalidate is not null)
            {
                revalidate.SetTag(MirrorActivities.RevalidateResultTag, same ? "same" : head.Status switch
                {
                    UpstreamStatus.Ok => "changed",
                    UpstreamStatus.NotFound => "gone",
                    _ when IsRefusal(head.Status) => "refused",
                    _ => "failed",
                });
                if (!same && head.Status is not (UpstreamStatus.Ok or UpstreamStatus.NotFound) && !IsRefusal(head.Status))
                {
                    MirrorActivities.Fail(revalidate, head.Detail);
                }

                revalidate.Stop();
            }

            if (same)
            {
                await SetTagAsync(key, entry with { ValidatedAt = _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
                return new ManifestLookup(cached, CacheResult.Hit, null) { Source = source };
            }

            if (head.Status == UpstreamStatus.NotFound)
            {
                await RemoveTagAsync(key, cancellationToken).ConfigureAwait(false);
                return ManifestLookup.Failed(OciError.ManifestUnknown($"{scope.Repository}:{tag}"));
            }

            if (IsRefusal(head.Status))
            {
                // The upstream answered this client: it is not down, and its answer is not ours to override.
                return ManifestLookup.Failed(UpstreamErrors.ToOciError(head.Status, head.Detail, OciError.ManifestUnknown(tag)));
            }

            if (head.Status != UpstreamStatus.Ok)
            {
                return ServeStaleOr(upstream, entry, cached, UpstreamErrors.ToOciError(head.Status, head.Detail, OciError.ManifestUnknown(tag)), head.Detail);
            }
        }

        var fetched = await FetchAsync(scope, tag, accepted, expected: null, cancellationToken).ConfigureAwait(false);
        if (fetched.Manifest is { } manifest)
        {
            await SetTagAsync(key, new TagEntry(manifest.Digest, manifest.MediaType, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            return fetched;
        }

        if (fetched.Error?.StatusCode == 404)
        {
            await RemoveTagAsync(key, cancellationToken).ConfigureAwait(false);
            return fetched;
        }

        return entry is not null && cached is not null && fetched.Error is { StatusCode: not (401 or 403) }
            ? ServeStaleOr(upstream, entry, cached, fetched.Error, fetched.Error.Message)
            : fetched;
    }

    private static bool IsRefusal(UpstreamStatus status) => status is UpstreamStatus.Unauthorized or UpstreamStatus.Denied;

    private ManifestLookup ServeStaleOr(UpstreamClient upstream, TagEntry entry, StoredManifest cached, OciError error, string? reason)
    {
        var age = _time.GetUtcNow() - entry.ValidatedAt;
        if (age <= upstream.Options.TagTtl + upstream.Options.MaxStale)
        {
            Log.ServedStale(_logger, upstream.Name, (long)age.TotalSeconds, reason ?? "upstream failed");
            return new ManifestLookup(cached, CacheResult.Stale, null) { Source = CacheSource.Disk, StaleReason = reason ?? "upstream failed" };
        }

        return ManifestLookup.Failed(error);
    }

    internal async ValueTask<(StoredManifest? Manifest, CacheSource Source)> GetLocalAsync(Digest digest, CancellationToken cancellationToken)
    {
        if (_hotManifests.TryGet(digest, out var hottest))
        {
            return (hottest, CacheSource.Memory);
        }

        var seen = _hotManifests.Generation;
        if (await _small.GetManifestAsync(digest, cancellationToken).ConfigureAwait(false) is { } hot)
        {
            _hotManifests.Add(hot, seen);
            return (hot, CacheSource.Memory);
        }

        var stored = await _store.GetAsync(digest, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
        {
            await _small.SetManifestAsync(stored, share: true, cancellationToken).ConfigureAwait(false);
            _hotManifests.Add(stored, seen);
        }

        return (stored, CacheSource.Disk);
    }

    /// <summary>
    /// The Accept set as one key. Parsed Accept lists are remembered per header value (<see cref="MediaTypes.ParseAcceptCached"/>),
    /// so the joined key is made once per list, not once per request.
    /// </summary>
    private static string AcceptKey(IReadOnlyList<string> accepted) => accepted.Count switch
    {
        0 => "*",
        1 => accepted[0],
        _ => AcceptKeys.GetValue(accepted, static a => string.Join(',', a)),
    };

    private static string AcceptHeader(IReadOnlyList<string> accepted) =>
        accepted.Count == 0 ? MediaTypes.DefaultAccept : string.Join(", ", accepted);


    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Warning, "Serving a stale tag from {Upstream} ({AgeSeconds} s since validated): {Reason}")]
        public static partial void ServedStale(ILogger logger, string upstream, long ageSeconds, string reason);

        [LoggerMessage(3002, LogLevel.Warning, "Manifest {Reference} from {Upstream} does not match its digest (computed {Digest}); not cached")]
        public static partial void DigestMismatch(ILogger logger, string upstream, string reference, string digest);

        [LoggerMessage(3003, LogLevel.Warning, "Could not store manifest {Digest}: {Reason}")]
        public static partial void StoreFailed(ILogger logger, string digest, string reason);
    }
}
