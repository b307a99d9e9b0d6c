namespace Mirror.EndToEndTests;

/// <summary>skopeo (containers/image, also inside podman, buildah, cri-o) addressing the mirror directly.</summary>
public sealed class SkopeoPullTests(EndToEndFixture fixture, ITestOutputHelper output)
    : ClientPullTests(fixture, output, EndToEndFixture.SkopeoClientName)
{
    /// <summary><c>skopeo copy</c> into an OCI layout, then <c>skopeo inspect --raw</c> by tag and by digest.</summary>
    private protected override async Task PullAndCheckAsync(StepLog steps, TestImage image)
    {
        var mirror = Fixture.Mirror.HostPort;
        var layout = Path.Combine(Fixture.Temp.CreateSubdirectory("skopeo-out"), "layout");

        // --preserve-digests makes skopeo fail rather than re-encode; --all keeps every platform of an index.
        string[] options = image.IsIndex ? ["--preserve-digests", "--all"] : ["--preserve-digests"];
        await steps.RunAsync($"skopeo copy {image.On(mirror)}", () =>
            Fixture.Skopeo.CopyAsync($"docker://{image.On(mirror)}", $"oci:{layout}:x", options, CancellationToken.None));
        DigestAssert.Matches(Client, image, await OciLayout.DigestAsync(layout));

        var byTag = await steps.RunAsync($"skopeo inspect {image.On(mirror)}", () =>
            Fixture.Skopeo.InspectDigestAsync(image.On(mirror), CancellationToken.None));
        DigestAssert.Matches(Client, image, byTag);

        var byDigest = await steps.RunAsync($"skopeo inspect by digest", () =>
            Fixture.Skopeo.InspectDigestAsync($"{mirror}/{image.Repository}@{image.ManifestDigest}", CancellationToken.None));
        DigestAssert.Matches(Client, image, byDigest);
    }
}
