namespace Mirror.Caching;

/// <summary>
/// What a tag answer depends on: the registry, the repository, the tag and the media types the client accepts
/// (a registry answers an index to one client and a single-platform manifest to another).
/// </summary>
public sealed record TagKey(string Registry, string Repository, string Tag, string Accept)
{
    public override string ToString() => $"{Registry}/{Repository}:{Tag} [{Accept}]";
}
