namespace Mirror.EndToEndTests.Registries;

/// <summary>An image built into an OCI layout by <see cref="TestImageBuilder"/>, not pushed anywhere yet.</summary>
/// <param name="Layout">The OCI layout folder.</param>
/// <param name="Tag">Its name inside the layout (the <c>org.opencontainers.image.ref.name</c> annotation).</param>
/// <param name="ManifestDigest">The manifest's digest; <c>skopeo copy --preserve-digests</c> keeps it wherever it goes.</param>
internal sealed record LayoutImage(string Layout, string Tag, string ManifestDigest)
{
    /// <summary>The skopeo source for it: <c>oci:&lt;layout&gt;:&lt;tag&gt;</c>.</summary>
    public string SkopeoReference => $"oci:{Layout}:{Tag}";
}
