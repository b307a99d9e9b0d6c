namespace Mirror.EndToEndTests.Registries;

/// <summary>An image pushed to the upstream, with the digests as the upstream serves them — the truth clients compare with.</summary>
/// <param name="Repository">Repository path on the registry, e.g. <c>library/e2e</c>.</param>
/// <param name="Tag">The tag that was pushed.</param>
/// <param name="ManifestDigest">Digest of the manifest (or of the index, for a multi-arch image) the tag points at.</param>
/// <param name="LayerDigests">Every layer blob referenced, across all platforms for an index.</param>
/// <param name="IsIndex">True for a multi-arch OCI index.</param>
internal sealed record TestImage(string Repository, string Tag, string ManifestDigest, IReadOnlyList<string> LayerDigests, bool IsIndex)
{
    /// <summary>The fully qualified Docker Hub name clients pull; their mirror configuration sends it to the mirror.</summary>
    public string DockerHubReference => $"docker.io/{Repository}:{Tag}";

    /// <summary>The same image addressed directly on a registry, e.g. <c>127.0.0.1:5000/library/e2e:1</c>.</summary>
    public string On(string hostPort) => $"{hostPort}/{Repository}:{Tag}";

    public override string ToString() => $"{Repository}:{Tag}@{ManifestDigest}";
}
