using Mirror.Oci;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Caching;

/// <summary>A manifest from the upstream: read within its size cap, verified against its digest, stored.</summary>
internal sealed partial class ManifestCache
{
    private async Task<ManifestLookup> FetchAsync(PullScope scope, string reference, IReadOnlyList<string> accepted, Digest? expected, CancellationToken cancellationToken)
    {
        var upstream = scope.Upstream;
        var repository = scope.Repository;
        using var response = await _source.SendAsync(scope, scope.Manifest(HttpMethod.Get, reference, AcceptHeader(accepted)), cancellationToken).ConfigureAwait(false);
        if (response.Status != UpstreamStatus.Ok)
        {
            return ManifestLookup.Failed(UpstreamErrors.ToOciError(response.Status, response.Detail, OciError.ManifestUnknown($"{repository}:{reference}")));
        }

        if (response.ContentLength > _options.MaxManifestSize)
        {
            return ManifestLookup.Failed(new OciError(502, OciErrorCode.ManifestInvalid, $"upstream manifest is larger than {_options.MaxManifestSize} bytes"));
        }

        var (content, readError) = await response.ReadSmallAsync(_options.MaxManifestSize, upstream.Options.ResponseHeadersTimeout, upstream.Name, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return ManifestLookup.Failed(new OciError(502, OciErrorCode.Unavailable, readError!));
        }

        var claimed = Digest.TryParse(response.DockerContentDigest, out var header) ? header : (Digest?)null;
        var algorithm = expected?.Algorithm ?? claimed?.Algorithm ?? "sha256";
        var digest = algorithm == "sha512"
            ? Digest.FromHash("sha512", System.Security.Cryptography.SHA512.HashData(content))
            : Digest.Compute(content);
        if ((expected is { } e && e != digest) || (claimed is { } c && c.Algorithm == digest.Algorithm && c != digest))
        {
            Log.DigestMismatch(_logger, upstream.Name, $"{repository}:{reference}", digest.ToString());
            return ManifestLookup.Failed(new OciError(502, OciErrorCode.DigestInvalid, $"manifest from {upstream.Name} does not match its digest ({digest})"));
        }

        _access.Allowed(scope, digest);

        // The first verified media type of a digest stays: another upstream's Content-Type for the same bytes
        // (text/html, say) must not change what everyone is served.
        var (known, _) = await GetLocalAsync(digest, cancellationToken).ConfigureAwait(false);
        if (known is not null)
        {
            return new ManifestLookup(known, CacheResult.Miss, null) { Source = CacheSource.Upstream };
        }

        var manifest = new StoredManifest(digest, MediaTypes.OfManifest(content, response.ContentType), content);
        await KeepAsync(manifest, cancellationToken).ConfigureAwait(false);
        return new ManifestLookup(manifest, CacheResult.Miss, null) { Source = CacheSource.Upstream };
    }

    /// <summary>Stores verified content in both tiers (a referrers list is kept the same way).</summary>
    internal async ValueTask KeepAsync(StoredManifest manifest, CancellationToken cancellationToken)
    {
        try
        {
            await _store.PutAsync(manifest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Degrade, don't fail: the client still gets its manifest, the cache just misses next time.
            Log.StoreFailed(_logger, manifest.Digest.ToString(), ex.Message);
        }

        await _small.SetManifestAsync(manifest, share: true, cancellationToken).ConfigureAwait(false);
    }
}
