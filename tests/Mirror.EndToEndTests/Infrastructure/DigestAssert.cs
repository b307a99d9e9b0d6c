namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>The one assertion every client test makes: what the client got is byte-for-byte what the upstream has.</summary>
internal static class DigestAssert
{
    public static void Matches(string client, TestImage image, string actual) =>
        Assert.True(
            string.Equals(actual, image.ManifestDigest, StringComparison.Ordinal),
            $"{client} got {image.Repository}:{image.Tag} through the mirror as '{actual}', but the upstream has {image.ManifestDigest}.");

    /// <summary>For RepoDigests-style lists (<c>name@sha256:…</c>), as docker and podman record them.</summary>
    public static void Contains(string client, TestImage image, IReadOnlyList<string> repoDigests) =>
        Assert.True(
            repoDigests.Any(d => d.EndsWith("@" + image.ManifestDigest, StringComparison.Ordinal)),
            $"{client} recorded {image.Repository}:{image.Tag} as [{string.Join(", ", repoDigests)}], " +
            $"but the upstream has {image.ManifestDigest}.");
}
