
namespace Mirror.EndToEndTests;

/// <summary>
/// <c>POST /admin/prewarm</c> of a multi-arch image through a real docker-registry upstream: every blob is cached,
/// so a following <c>skopeo copy --all</c> through the mirror makes the upstream serve no blob at all.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class PrewarmTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Prewarm_MultiArchImage_SkopeoCopyAfterwardsFetchesNoBlob()
    {
        if (fixture.Mirror.Target != MirrorTarget.Mirror)
        {
            return; // distribution's proxy has no prewarm: nothing to compare
        }

        var steps = new StepLog(output, fixture.DescribeServers);
        var image = fixture.PrewarmImage;
        using var admin = new HttpClient { BaseAddress = fixture.Mirror.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Add("X-Mirror-Admin", "1");

        var job = await steps.RunAsync($"POST /admin/prewarm {image.Repository}:{image.Tag}", () =>
            PrewarmJob.RunAsync(admin, new { images = new[] { $"{image.Repository}:{image.Tag}" } }, TimeSpan.FromSeconds(60)));

        Assert.True(job.GetProperty("state").GetString() == "succeeded", $"prewarm did not succeed: {job}");
        Assert.Equal(job.GetProperty("blobs").GetProperty("total").GetInt64(), job.GetProperty("blobs").GetProperty("done").GetInt64());
        Assert.Equal(job.GetProperty("bytes").GetProperty("total").GetInt64(), job.GetProperty("bytes").GetProperty("done").GetInt64());
        Assert.All(image.LayerDigests, layer => Assert.Equal(1, fixture.Upstream.CountBlobGets(image.Repository, layer)));

        await fixture.Upstream.WaitForQuietAsync(CancellationToken.None);
        var blobGetsBefore = fixture.Upstream.CountGets($"/v2/{image.Repository}/blobs/");
        var layout = Path.Combine(fixture.Temp.CreateSubdirectory("prewarm-out"), "layout");
        await steps.RunAsync($"skopeo copy --all {image.On(fixture.Mirror.HostPort)}", () =>
            fixture.Skopeo.CopyAsync($"docker://{image.On(fixture.Mirror.HostPort)}", $"oci:{layout}:x", ["--preserve-digests", "--all"], CancellationToken.None));
        DigestAssert.Matches("skopeo after prewarm", image, await OciLayout.DigestAsync(layout));

        await fixture.Upstream.WaitForQuietAsync(CancellationToken.None);
        Assert.Equal(blobGetsBefore, fixture.Upstream.CountGets($"/v2/{image.Repository}/blobs/"));
        steps.Total();
    }
}
