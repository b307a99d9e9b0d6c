namespace Mirror.Storage;

/// <summary>
/// What a tag answer depends on: the registry, the repository, the tag, the media types the client accepts (a
/// registry answers an index to one client and a single-platform manifest to another) and, for an upstream that
/// forwards client credentials, whose credentials asked (<c>PullScope.CredentialKey</c>; empty when
/// answers are shared).
/// </summary>
public sealed record TagKey(string Registry, string Repository, string Tag, string Accept, string Credential = "")
{
    /// <summary>
    /// Where a referrers list (<see cref="Referrers.ReferrersCache"/>) is kept: beside the subject's fallback tag
    /// (<c>sha256-&lt;hex&gt;</c>, so a push of that tag forgets both), as a variant no Accept set can be.
    /// </summary>
    public static TagKey ForReferrers(string registry, string repository, Oci.Digest subject, string? artifactType, string credential) =>
        new(registry, repository, FallbackTag(subject), "referrers " + (artifactType ?? "*"), credential);

    /// <summary>The OCI 1.1 fallback tag of a subject: <c>&lt;algorithm&gt;-&lt;hex&gt;</c>, the hex cut at 64 as the spec says (a tag is at most 128 characters).</summary>
    public static string FallbackTag(Oci.Digest subject) => $"{subject.Algorithm}-{subject.Hex[..Math.Min(64, subject.Hex.Length)]}";

    /// <summary>The answer's name inside its tag file and in the memory tier: the Accept set, and whose it is.</summary>
    public string Variant => Credential.Length == 0 ? Accept : Accept + "|" + Credential;

    public override string ToString() => Credential.Length == 0
        ? $"{Registry}/{Repository}:{Tag} [{Accept}]"
        : $"{Registry}/{Repository}:{Tag} [{Accept}] ({Credential})";
}
