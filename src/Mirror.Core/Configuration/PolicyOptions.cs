namespace Mirror.Configuration;

/// <summary>
/// The <c>Mirror:Policy:</c> section: what may not be pulled at all, whoever asks — applied after access rules, to
/// cached content and misses alike (docs/supply-chain.md).
/// </summary>
public sealed class PolicyOptions
{
    /// <summary>
    /// Globs over <c>&lt;upstream&gt;/&lt;repository&gt;</c> (<c>docker.io/library/nginx</c>, <c>*/team-x/**</c>,
    /// <c>**/evil-*</c>): nothing in a matching repository is served — manifests, blobs or referrers.
    /// </summary>
    public List<string> DenyRepositories { get; set; } = [];

    /// <summary>
    /// A file of manifest digests, one per line (what a scanner pipeline writes; <c>#</c> starts a comment), re-read
    /// when it changes. A listed manifest is refused however it is asked for: by tag, by digest, or as the platform
    /// manifest a client picks from an index.
    /// </summary>
    public string? DenyDigestsFile { get; set; }

    /// <summary>Artifact types (a signature, an attestation) an image must have as a referrer before it is served, per upstream or repository glob.</summary>
    public List<ReferrerRequirement> RequireReferrer { get; set; } = [];
}
