using Mirror.Oci;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>The answer to a manifest request: the manifest (with where it came from) or an error.</summary>
public readonly record struct ManifestLookup(StoredManifest? Manifest, CacheResult Result, OciError? Error)
{
    public CacheSource Source { get; init; } = CacheSource.Upstream;

    /// <summary>Why a stale answer was served (goes into the Warning header).</summary>
    public string? StaleReason { get; init; }

    public static ManifestLookup Failed(OciError error) => new(null, CacheResult.Error, error);
}
