namespace Mirror.Configuration;

/// <summary>One <c>Mirror:Policy:RequireReferrer:&lt;i&gt;</c> entry: images here must carry a referrer of this artifact type.</summary>
public sealed class ReferrerRequirement
{
    /// <summary>Upstream names (<c>docker.io</c>, <c>ghcr.io</c>); empty = all.</summary>
    public List<string> Registries { get; set; } = [];

    /// <summary>Repository globs (<c>library/*</c>, <c>team/**</c>); empty = all.</summary>
    public List<string> Repositories { get; set; } = [];

    /// <summary>
    /// The artifact type a referrer must have, e.g. <c>application/vnd.dev.cosign.artifact.sig.v1+json</c> (cosign)
    /// or <c>application/vnd.cncf.notary.signature</c> (notation).
    /// </summary>
    public string ArtifactType { get; set; } = string.Empty;
}
