using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Access;
using Mirror.Configuration;
using Mirror.Oci;
using Mirror.Prewarm;
using Mirror.Referrers;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Policy;

/// <summary>
/// <c>Mirror:Policy:</c>, decided on what is about to be served — after the cache lookup, so a hit is refused
/// exactly like a miss:
/// <code>
///  repository matches DenyRepositories ─▶ refused (before any cache or upstream work)
///  manifest digest in DenyDigestsFile   ─▶ refused (by tag, by digest, or picked from an index)
///  RequireReferrer for this repository  ─▶ the subject's referrers of that artifact type (cached, stale when the
///                                          upstream is down) must not be empty, else refused
/// </code>
/// RequireReferrer asks it of runnable images (<see cref="Runnable"/>) only: signatures, SBOMs and referrers indexes
/// are the evidence a verifier reads. An index is always served; one that has the referrer vouches for the platform
/// manifests it lists (signers sign the digest a tag names: the index) for the TagTtl the client has to fetch them,
/// and a platform manifest asked for without such an index must carry its own referrer. Blobs are content-addressed and unnamed by any policy but DenyRepositories: a client cannot run
/// an image whose manifest it was refused.
/// </summary>
internal sealed partial class PullPolicy
{
    private readonly PolicyOptions _options;
    private readonly WatchedFile<DenyList>? _denied;
    private readonly ReferrersCache _referrers;
    private readonly IMemoryCache _vouched;
    private readonly ILogger _logger;
    private DenyList? _reported;

    public PullPolicy(IOptions<MirrorOptions> options, ReferrersCache referrers, IMemoryCache memory, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options.Value.Policy;
        _referrers = referrers;
        _vouched = memory;
        _logger = loggers.CreateLogger("Mirror.Policy");
        if (_options.DenyDigestsFile is { Length: > 0 } file)
        {
            _denied = new WatchedFile<DenyList>(file, DenyList.Parse, time);
        }

        IsEnabled = _options.DenyRepositories.Count > 0 || _denied is not null || _options.RequireReferrer.Count > 0;
    }

    /// <summary>True when any policy is configured (the registry skips the checks otherwise).</summary>
    public bool IsEnabled { get; }

    /// <summary>The repository denial for <paramref name="upstream"/>/<paramref name="repository"/>, if a DenyRepositories glob matches.</summary>
    public PolicyDenial? DenyRepository(string upstream, string repository)
    {
        if (_options.DenyRepositories.Count == 0)
        {
            return null;
        }

        var name = $"{upstream}/{repository}";
        foreach (var glob in _options.DenyRepositories)
        {
            if (RepositoryGlob.Matches(glob, name))
            {
                return new PolicyDenial(nameof(PolicyOptions.DenyRepositories), name, $"matches '{glob}'");
            }
        }

        return null;
    }

    /// <summary>The denial of <paramref name="manifest"/> about to be served in <paramref name="scope"/>, if any policy refuses it.</summary>
    public async ValueTask<PolicyDenial?> DenyManifestAsync(PullScope scope, StoredManifest manifest, CancellationToken cancellationToken)
    {
        var digest = manifest.Digest;
        if (DeniedDigests() is { } denied && denied.Contains(digest))
        {
            return new PolicyDenial(nameof(PolicyOptions.DenyDigestsFile), digest.ToString(), $"is listed in {_options.DenyDigestsFile}");
        }

        if (_options.RequireReferrer.Count == 0)
        {
            return null;
        }

        // Whether the manifest is an index or a runnable image is read (a JSON parse) only when a requirement is not
        // already known to be met: on hits within TagTtl of the last check nothing is parsed or looked up.
        bool? index = null;
        foreach (var requirement in _options.RequireReferrer)
        {
            if (!Applies(requirement, scope) || _vouched.TryGetValue(VouchKey(scope, digest, requirement.ArtifactType), out _))
            {
                continue;
            }

            index ??= manifest.MediaType is MediaTypes.OciIndex or MediaTypes.DockerManifestList;
            if (index == false && !Runnable.IsImage(manifest.MediaType, manifest.Content.Span))
            {
                // Evidence (a signature, an SBOM, a referrers index), not an image: nothing is asked of it.
                return null;
            }

            var referrers = await _referrers.GetAsync(scope, digest, requirement.ArtifactType, cancellationToken).ConfigureAwait(false);
            var met = referrers.Manifest is { } list && ReferrersIndex.Count(list.Content.Span) > 0;
            if (met)
            {
                // Remembered as long as the referrers list it came from is fresh; an index vouches for its platforms.
                Vouch(scope, digest, requirement.ArtifactType);
                if (index == true)
                {
                    VouchPlatforms(scope, manifest, requirement.ArtifactType);
                }

                continue;
            }

            if (index == true)
            {
                // An index runs nothing: it is served either way; its platform manifests answer for themselves.
                continue;
            }

            return referrers.Manifest is null
                ? new PolicyDenial(nameof(PolicyOptions.RequireReferrer), digest.ToString(), $"could not be checked for a {requirement.ArtifactType} referrer: {referrers.Error?.Message}")
                : new PolicyDenial(nameof(PolicyOptions.RequireReferrer), digest.ToString(), $"has no referrer of type {requirement.ArtifactType}");
        }

        return null;
    }

    private IReadOnlySet<Digest>? DeniedDigests()
    {
        if (_denied?.Value is not { } list)
        {
            return null;
        }

        if (!ReferenceEquals(list, _reported))
        {
            // Once per version of the file: an operator sees what the scanner's last write amounted to.
            _reported = list;
            Log.DenyListLoaded(_logger, _options.DenyDigestsFile!, list.Digests.Count, list.BadLines.Count, string.Join(", ", list.BadLines.Take(10)));
        }

        return list.Digests;
    }

    private static bool Applies(ReferrerRequirement requirement, PullScope scope) =>
        (requirement.Registries.Count == 0 || requirement.Registries.Contains(scope.Upstream.Name, StringComparer.OrdinalIgnoreCase))
        && (requirement.Repositories.Count == 0 || requirement.Repositories.Any(glob => RepositoryGlob.Matches(glob, scope.Repository.Value)));

    private void Vouch(PullScope scope, Digest digest, string artifactType)
    {
        // TagTtl 0 means "ask every time": nothing is remembered then.
        if (scope.Upstream.Options.TagTtl > TimeSpan.Zero)
        {
            _vouched.Set(VouchKey(scope, digest, artifactType), true, VouchFor(scope));
        }
    }

    private void VouchPlatforms(PullScope scope, StoredManifest index, string artifactType)
    {
        var options = VouchFor(scope);
        try
        {
            foreach (var (child, _) in ManifestParts.Read(index.Content.Span).Manifests)
            {
                _vouched.Set(VouchKey(scope, child, artifactType), true, options);
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not readable: its platform manifests are checked on their own.
        }
    }

    /// <summary>
    /// As long as a referrers list is fresh: what was met is not asked again before the list would be. With TagTtl 0,
    /// a minute for the platform manifests a client fetches right after their index.
    /// </summary>
    private static MemoryCacheEntryOptions VouchFor(PullScope scope) => new()
    {
        Size = 1,
        AbsoluteExpirationRelativeToNow = scope.Upstream.Options.TagTtl > TimeSpan.Zero ? scope.Upstream.Options.TagTtl : TimeSpan.FromMinutes(1),
    };

    private static string VouchKey(PullScope scope, Digest digest, string artifactType) =>
        $"policy|{scope.Upstream.Name}|{scope.Repository}|{digest}|{artifactType}|{scope.CredentialKey}";

    private static partial class Log
    {
        [LoggerMessage(3201, LogLevel.Information, "Policy deny list {Path}: {Count} digests; {BadCount} lines without a digest (lines {BadLines})")]
        public static partial void DenyListLoaded(ILogger logger, string path, int count, int badCount, string badLines);
    }
}
