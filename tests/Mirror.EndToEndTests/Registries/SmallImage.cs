namespace Mirror.EndToEndTests.Registries;

/// <summary>A one-layer OCI image on the upstream (docker.io route), pushed over plain HTTP.</summary>
/// <param name="Repository">Its repository on the upstream (and through the mirror).</param>
/// <param name="Tag">Its tag.</param>
/// <param name="ManifestDigest">sha256 of the manifest bytes the upstream serves.</param>
/// <param name="ManifestLength">The manifest's size in bytes.</param>
/// <param name="Layer">Its only layer.</param>
internal sealed record SmallImage(string Repository, string Tag, string ManifestDigest, int ManifestLength, FaultBlob Layer);
