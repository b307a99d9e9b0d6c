using System.Text.Json;

namespace Mirror.EndToEndTests;

/// <summary>skopeo (containers/image, also inside podman, buildah, cri-o) addressing the mirror directly.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class SkopeoPullTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    private const string Client = EndToEndFixture.SkopeoClientName;

    [Fact]
    public async Task Copy_ColdSharedAndMultiArchImages_DigestsMatchUpstream()
    {
        var steps = new StepLog(output, fixture.DescribeServers);
        var mirror = fixture.Mirror.HostPort;

        foreach (var image in new[] { fixture.ColdImageFor(Client), fixture.SharedImage, fixture.MultiArchImage })
        {
            var layout = Path.Combine(fixture.Temp.CreateSubdirectory("skopeo-out"), "layout");
            // --preserve-digests makes skopeo fail rather than re-encode; --all keeps every platform of an index.
            string[] options = image.IsIndex ? ["--preserve-digests", "--all"] : ["--preserve-digests"];
            await steps.RunAsync($"skopeo copy {image.On(mirror)}", () =>
                fixture.Skopeo.CopyAsync($"docker://{image.On(mirror)}", $"oci:{layout}:x", options, CancellationToken.None));
            DigestAssert.Matches(Client, image, await LayoutDigestAsync(layout));

            var byTag = await steps.RunAsync($"skopeo inspect {image.On(mirror)}", () =>
                fixture.Skopeo.InspectDigestAsync(image.On(mirror), CancellationToken.None));
            DigestAssert.Matches(Client, image, byTag);

            var byDigest = await steps.RunAsync($"skopeo inspect by digest", () =>
                fixture.Skopeo.InspectDigestAsync($"{mirror}/{image.Repository}@{image.ManifestDigest}", CancellationToken.None));
            DigestAssert.Matches(Client, image, byDigest);
        }

        await UpstreamAssert.FetchedThroughMirrorAsync(fixture.Upstream, Client, fixture.ColdImageFor(Client));
        steps.Total();
    }

    /// <summary>The digest skopeo wrote into the OCI layout's index.json for the copied image.</summary>
    private static async Task<string> LayoutDigestAsync(string layout)
    {
        await using var stream = File.OpenRead(Path.Combine(layout, "index.json"));
        using var index = await JsonDocument.ParseAsync(stream);
        return index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString() ?? string.Empty;
    }
}
