using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Observability;
using Mirror.Oci;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Caching;

/// <summary>
/// Blobs by digest: the disk store first, else one shared upstream fill per digest. The key is the digest alone —
/// the same layer pulled through two repositories or two registries is stored and fetched once. For an upstream
/// that forwards client credentials, <see cref="ContentAccessCheck"/> decides first whether this client may read it.
/// </summary>
internal sealed class BlobCache
{
    private readonly IBlobStore _store;
    private readonly CacheOptions _options;
    private readonly ContentAccessCheck _access;
    private readonly long _maxFillBytes;
    private readonly ILogger _logger;
    private readonly IContentSource _source;
    private readonly SingleFlight<Digest, BlobFill> _fills = new();

    public BlobCache(IBlobStore store, ContentAccessCheck access, IOptions<MirrorOptions> options, ILoggerFactory loggers, IContentSource? source = null)
    {
        _source = source ?? UpstreamContentSource.Instance;
        _store = store;
        _access = access;
        _options = options.Value.Cache;

        // An upstream body without Content-Length stops here: the largest blob allowed, and never more than the
        // whole disk tier may hold.
        _maxFillBytes = _options.MaxDiskBytes > 0 ? Math.Min(_options.MaxBlobBytes, _options.MaxDiskBytes) : _options.MaxBlobBytes;
        _logger = loggers.CreateLogger("Mirror.Fill");
    }

    /// <summary>Fills running now.</summary>
    public int FillsInFlight => _fills.Count;

    /// <summary>Fills running with no reader left (they finish so the next pull is a hit).</summary>
    public int AbandonedFills => _fills.Sum(f => f.Waiters == 0 ? 1 : 0);

    /// <summary>Running fills <paramref name="client"/> started that nobody reads any more.</summary>
    private int AbandonedBy(string client) => _fills.Sum(f => f.Waiters == 0 && f.StartedBy == client ? 1 : 0);

    /// <summary>Clients streaming from a fill someone else started (waiters beyond each fill's first).</summary>
    public int CoalescedWaiters => _fills.Sum(f => Math.Max(0, f.Waiters - 1));

    public async ValueTask<BlobOpenResult> OpenAsync(PullScope scope, Digest digest, CancellationToken cancellationToken)
    {
        if (scope.IsPerCredential && await _access.CheckAsync(scope, manifest: false, digest, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (_store.TryOpen(digest) is { } stored)
        {
            return new StoredBlobContent(stored);
        }

        // A client with too many fills it walked away from starts no more until they end; joining a running
        // fill is always free.
        // Counted from the running fills themselves (no counter to keep in step): one scan per new fill, and fills
        // in flight are at most the bulkhead's size plus its queue.
        if (_fills.Peek(digest) is null && AbandonedBy(scope.Client) >= _options.MaxAbandonedFillsPerClient)
        {
            return new OciError(429, OciErrorCode.TooManyRequests,
                $"{_options.MaxAbandonedFillsPerClient} blob downloads you started and left are still running; retry when they have finished");
        }

        var lease = _fills.Join(
            digest,
            static (d, s) => new BlobFill(d, s.scope, s.self._source, s.self._store, new FillLimits(s.self._options.FillTimeout, s.scope.Upstream.Options.MaxResumes, s.self._maxFillBytes), s.self._logger),
            (self: this, scope));

        // A joiner's own span, linked to the fill's: the fill is in a trace of its own.
        using var joined = lease.IsOwner ? null : MirrorActivities.StartBlobCoalesced(scope.Upstream.Name, digest.ToString(), lease.Flight.Activity);
        try
        {
            var head = await lease.Flight.Head.WaitAsync(cancellationToken).ConfigureAwait(false);
            joined?.SetTag(MirrorActivities.BytesTag, head.Length);
            if (head.Uncacheable)
            {
                lease.Dispose();
                return await OpenUncachedAsync(_source, scope, digest, cancellationToken).ConfigureAwait(false);
            }

            if (!head.Started)
            {
                lease.Dispose();
                return head.Error ?? UpstreamErrors.ToOciError(head.Status, head.Detail, OciError.BlobUnknown(digest));
            }

            return new FillingBlobContent(lease, head.Length);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>The cache cannot be written: this reader gets its own upstream stream, verified as it goes.</summary>
    private static async ValueTask<BlobOpenResult> OpenUncachedAsync(IContentSource source, PullScope scope, Digest digest, CancellationToken cancellationToken)
    {
        var response = await source.SendAsync(scope, scope.Blob(HttpMethod.Get, digest), cancellationToken).ConfigureAwait(false);
        if (response.Status != UpstreamStatus.Ok)
        {
            response.Dispose();
            return UpstreamErrors.ToOciError(response.Status, response.Detail, OciError.BlobUnknown(digest));
        }

        return new UncachedBlobContent(response, digest);
    }

    /// <summary>
    /// The size of a blob for HEAD: from the store, from a running fill, or from an upstream HEAD (always the upstream
    /// for an upstream that takes pushes). A HEAD never starts a fill and never answers 404 on its own authority.
    /// </summary>
    public async ValueTask<(long? Length, OciError? Error)> HeadAsync(PullScope scope, Digest digest, CancellationToken cancellationToken)
    {
        if (scope.IsPerCredential && await _access.CheckAsync(scope, manifest: false, digest, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return (null, refused);
        }

        // Where pushes go through the mirror, a blob HEAD is how a pusher asks "does this repository have it yet?":
        // the cache holds digests, not the upstream's per-repository links, so only the upstream can answer.
        var askUpstream = scope.Upstream.Options.AllowPush;
        if (!askUpstream && _store.TryGetLength(digest, out var length))
        {
            return (length, null);
        }

        if (!askUpstream && _fills.Peek(digest) is { } fill && fill.Head.IsCompletedSuccessfully && fill.Head.Result is { Started: true } head)
        {
            return (head.Length, null);
        }

        using var response = await _source.SendAsync(scope, scope.Blob(HttpMethod.Head, digest), cancellationToken).ConfigureAwait(false);
        return response.Status == UpstreamStatus.Ok
            ? (response.ContentLength, null)
            : (null, UpstreamErrors.ToOciError(response.Status, response.Detail, OciError.BlobUnknown(digest)));
    }
}
