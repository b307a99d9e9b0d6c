using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mirror.Caching;
using Mirror.Oci;
using Mirror.Referrers;
using Mirror.Upstream;

namespace Mirror.Prewarm;

/// <summary>
/// Pulls images into the cache the way a client would, through the normal single-flight paths: a prewarm racing
/// client pulls of the same image fetches each blob once.
/// </summary>
/// <remarks>
/// <code>
///  image ─▶ route (registry prefix or DefaultUpstream) ─▶ manifest by tag/digest (ManifestCache)
///    index? ─▶ each child manifest matching the platforms (all by default) ─▶ by digest (ManifestCache)
///    image manifest ─▶ config + layers ─▶ BlobCache.OpenAsync + copy to nowhere (the fill caches it)
///    every manifest ─▶ its referrers (signatures, SBOMs, attestations: ReferrersCache) ─▶ each walked like a manifest
///  blobs run a few at a time, at most half the upstream's MaxConcurrentFetches: clients keep the rest
/// </code>
/// </remarks>
internal sealed partial class PrewarmRunner
{
    /// <summary>Who a prewarm is, for the bulkhead's fair queue and the abandoned-fill budget.</summary>
    private const string Client = "prewarm";
    private const int MaxDepth = 3;

    private readonly UpstreamRouter _router;
    private readonly ManifestCache _manifests;
    private readonly BlobCache _blobs;
    private readonly ReferrersCache _referrers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public PrewarmRunner(UpstreamRouter router, ManifestCache manifests, BlobCache blobs, ReferrersCache referrers, TimeProvider time, ILogger<PrewarmRunner> logger)
    {
        _referrers = referrers;
        _router = router;
        _manifests = manifests;
        _blobs = blobs;
        _time = time;
        _logger = logger;
    }

    public async Task RunAsync(PrewarmJob job, CancellationToken cancellationToken)
    {
        job.State = PrewarmState.Running;
        Log.JobStarted(_logger, job.Id, job.Images.Count, job.Origin);
        foreach (var image in job.Images)
        {
            try
            {
                await RunImageAsync(image, job.Platforms, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                image.Failed("cancelled: the mirror is shutting down");
                break;
            }
        }

        job.Finished = _time.GetUtcNow();
        job.State = job.Images.Any(i => i.Errors.Count > 0) ? PrewarmState.Failed : PrewarmState.Succeeded;
        Log.JobEnded(_logger, job.Id, job.State.ToString(), job.Images.Sum(i => i.BlobsDone), job.Images.Sum(i => i.BytesDone));
    }

    private async Task RunImageAsync(PrewarmProgress progress, IReadOnlyList<string> platforms, CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(progress.Image, out var image, out var parseError))
        {
            progress.Failed(parseError);
            return;
        }

        if (!_router.TryScope(image.Registry, image.Repository, authorization: null, Client, out var scope, out var routeError))
        {
            progress.Failed(routeError!.Message);
            return;
        }

        var blobs = new Dictionary<Digest, long>();
        await WalkAsync(scope, image.Reference, progress, platforms, blobs, depth: 0, cancellationToken).ConfigureAwait(false);
        foreach (var (_, size) in blobs)
        {
            progress.BlobFound(size);
        }

        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Clamp(scope.Upstream.Options.MaxConcurrentFetches / 2, 1, 8),
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(blobs, parallel, async (blob, ct) => await PullBlobAsync(scope, blob.Key, blob.Value, progress, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task WalkAsync(PullScope scope, Reference reference, PrewarmProgress progress, IReadOnlyList<string> platforms, Dictionary<Digest, long> blobs, int depth, CancellationToken cancellationToken)
    {
        progress.ManifestFound();
        var lookup = await _manifests.GetAsync(scope, reference, [], cancellationToken).ConfigureAwait(false);
        if (lookup.Manifest is not { } manifest)
        {
            progress.Failed($"manifest {reference}: {lookup.Error?.Message}");
            return;
        }

        progress.ManifestDone();
        ManifestParts parts;
        try
        {
            parts = ManifestParts.Read(manifest.Content.Span);
        }
        catch (JsonException ex)
        {
            progress.Failed($"manifest {manifest.Digest} is not JSON the mirror can read: {ex.Message}");
            return;
        }

        foreach (var blob in parts.Blobs)
        {
            blobs.TryAdd(blob.Digest, blob.Size);
        }

        if (depth >= MaxDepth)
        {
            return;
        }

        foreach (var child in parts.Manifests.Where(c => Matches(c.Platform, platforms)))
        {
            await WalkAsync(scope, Reference.ForDigest(child.Digest), progress, platforms, blobs, depth + 1, cancellationToken).ConfigureAwait(false);
        }

        // A verifier at deploy time asks for these next: warming an image warms its signatures and SBOMs too.
        var referrers = await _referrers.GetAsync(scope, manifest.Digest, artifactType: null, cancellationToken).ConfigureAwait(false);
        if (referrers.Manifest is not { } list)
        {
            progress.Failed($"referrers of {manifest.Digest}: {referrers.Error?.Message}");
            return;
        }

        foreach (var descriptor in ReferrersIndex.Descriptors(list.Content.Span, null) ?? [])
        {
            if (Digest.TryParse((string?)descriptor["digest"], out var referrer))
            {
                await WalkAsync(scope, Reference.ForDigest(referrer), progress, [], blobs, depth + 1, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task PullBlobAsync(PullScope scope, Digest digest, long size, PrewarmProgress progress, CancellationToken cancellationToken)
    {
        var opened = await _blobs.OpenAsync(scope, digest, cancellationToken).ConfigureAwait(false);
        if (opened.Content is not { } content)
        {
            progress.Failed($"blob {digest}: {opened.Error!.Message}");
            return;
        }

        using (content)
        {
            // Reading to the end is what keeps the fill honest: a blob counts as warm once verified and committed.
            var result = await content.CopyToAsync(Stream.Null, 0, content.Length, cancellationToken).ConfigureAwait(false);
            if (result == CopyResult.Completed)
            {
                progress.BlobDone(content.Length ?? size);
            }
            else
            {
                progress.Failed($"blob {digest}: {content.FailureReason ?? result.ToString()}");
            }
        }
    }

    /// <summary>Whether an index entry is for a platform asked for: all when none is named; <c>os/arch</c> or <c>os/arch/variant</c>.</summary>
    internal static bool Matches(string? platform, IReadOnlyList<string> platforms) =>
        platforms.Count == 0
        || (platform is not null && platforms.Any(p => string.Equals(p, platform, StringComparison.OrdinalIgnoreCase)
            || platform.StartsWith(p + "/", StringComparison.OrdinalIgnoreCase)));

    private static partial class Log
    {
        [LoggerMessage(7001, LogLevel.Information, "Prewarm {Job} started: {Images} images ({Origin})")]
        public static partial void JobStarted(ILogger logger, string job, int images, string origin);

        [LoggerMessage(7002, LogLevel.Information, "Prewarm {Job} {State}: {Blobs} blobs, {Bytes} bytes")]
        public static partial void JobEnded(ILogger logger, string job, string state, long blobs, long bytes);
    }
}
