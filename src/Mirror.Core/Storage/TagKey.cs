namespace Mirror.Storage;

/// <summary>
/// What a tag answer depends on: the registry, the repository, the tag, the media types the client accepts (a
/// registry answers an index to one client and a single-platform manifest to another) and, for an upstream that
/// forwards client credentials, whose credentials asked (<c>PullScope.CredentialKey</c>; empty when
/// answers are shared).
/// </summary>
public sealed record TagKey(string Registry, string Repository, string Tag, string Accept, string Credential = "")
{
    /// <summary>The answer's name inside its tag file and in the memory tier: the Accept set, and whose it is.</summary>
    public string Variant => Credential.Length == 0 ? Accept : Accept + "|" + Credential;

    public override string ToString() => Credential.Length == 0
        ? $"{Registry}/{Repository}:{Tag} [{Accept}]"
        : $"{Registry}/{Repository}:{Tag} [{Accept}] ({Credential})";
}
