using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Oci;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Caching;

/// <summary>
/// Blobs by digest: the disk store first, else one shared upstream fill per digest. The key is the digest alone —
/// the same layer pulled through two repositories or two registries is stored and fetched once.
/// </summary>
internal sealed class BlobCache
{
    private readonly IBlobStore _store;
    private readonly CacheOptions _options;
    private readonly ILogger _logger;
    private readonly SingleFlight<Digest, BlobFill> _fills = new();

    public BlobCache(IBlobStore store, IOptions<MirrorOptions> options, ILoggerFactory loggers)
    {
        _store = store;
        _options = options.Value.Cache;
        _logger = loggers.CreateLogger("Mirror.Fill");
    }

    /// <summary>Fills running now.</summary>
    public int FillsInFlight => _fills.Count;

    /// <summary>Clients streaming from a fill someone else started (waiters beyond each fill's first).</summary>
    public int CoalescedWaiters => _fills.Sum(f => Math.Max(0, f.Waiters - 1));

    public async ValueTask<BlobLookup> OpenAsync(UpstreamClient upstream, RepositoryName repository, Digest digest, string? clientAuthorization, CancellationToken cancellationToken)
    {
        if (_store.TryOpen(digest) is { } stored)
        {
            return BlobLookup.Hit(stored);
        }

        var lease = _fills.Join(
            digest,
            static (d, s) => new BlobFill(d, s.upstream, s.repository, s.clientAuthorization, s.self._store, s.self._options.FillTimeout, s.upstream.Options.MaxResumes, s.self._logger),
            (self: this, upstream, repository, clientAuthorization));
        try
        {
            var head = await lease.Flight.Head.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (head.Uncacheable)
            {
                lease.Dispose();
                return await OpenUncachedAsync(upstream, repository, digest, clientAuthorization, cancellationToken).ConfigureAwait(false);
            }

            if (!head.Started)
            {
                lease.Dispose();
                return BlobLookup.Failed(UpstreamErrors.ToOciError(head.Status, head.Detail, OciError.BlobUnknown(digest)));
            }

            return BlobLookup.Filling(lease, head.Length);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>The cache cannot be written: this reader gets its own upstream stream, verified as it goes.</summary>
    private static async ValueTask<BlobLookup> OpenUncachedAsync(UpstreamClient upstream, RepositoryName repository, Digest digest, string? clientAuthorization, CancellationToken cancellationToken)
    {
        var response = await upstream.SendAsync(new UpstreamRequest(HttpMethod.Get, repository, $"blobs/{digest}") { ClientAuthorization = clientAuthorization }, cancellationToken).ConfigureAwait(false);
        if (response.Status != UpstreamStatus.Ok)
        {
            response.Dispose();
            return BlobLookup.Failed(UpstreamErrors.ToOciError(response.Status, response.Detail, OciError.BlobUnknown(digest)));
        }

        return BlobLookup.Uncached(response, digest);
    }

    /// <summary>
    /// The size of a blob for HEAD: from the store, from a running fill, or from an upstream HEAD. A HEAD never
    /// starts a fill and never answers 404 on its own authority.
    /// </summary>
    public async ValueTask<(long? Length, OciError? Error)> HeadAsync(UpstreamClient upstream, RepositoryName repository, Digest digest, string? clientAuthorization, CancellationToken cancellationToken)
    {
        if (_store.TryGetLength(digest, out var length))
        {
            return (length, null);
        }

        if (_fills.Peek(digest) is { } fill && fill.Head.IsCompletedSuccessfully && fill.Head.Result is { Started: true } head)
        {
            return (head.Length, null);
        }

        using var response = await upstream.SendAsync(
            new UpstreamRequest(HttpMethod.Head, repository, $"blobs/{digest}") { ClientAuthorization = clientAuthorization },
            cancellationToken).ConfigureAwait(false);
        return response.Status == UpstreamStatus.Ok
            ? (response.ContentLength, null)
            : (null, UpstreamErrors.ToOciError(response.Status, response.Detail, OciError.BlobUnknown(digest)));
    }
}
