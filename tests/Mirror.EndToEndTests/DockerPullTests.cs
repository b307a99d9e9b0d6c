namespace Mirror.EndToEndTests;

/// <summary>
/// The Docker daemon with the mirror as its <c>registry-mirrors</c> entry: pulls of docker.io images go to the mirror
/// as /v2/library/…, with no <c>ns</c> parameter.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class DockerPullTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    private const string Client = EndToEndFixture.DockerClientName;

    [Fact]
    public async Task Pull_ColdSharedAndMultiArchImages_DigestsMatchUpstream()
    {
        var steps = new StepLog(output, fixture.DescribeServers);
        await using var docker = await steps.RunAsync("start dockerd (+ its containerd)", () =>
            DockerDaemon.StartAsync(fixture.Temp.CreateSubdirectory("dk"), fixture.Mirror.HostPort, CancellationToken.None));

        foreach (var image in new[] { fixture.ColdImageFor(Client), fixture.SharedImage, fixture.MultiArchImage })
        {
            // Docker picks linux/amd64 out of the index and records the index digest, as it does for Docker Hub.
            var repoDigests = await steps.RunAsync($"docker pull {image.DockerHubReference}", () =>
                docker.PullAsync(image.DockerHubReference, CancellationToken.None));
            DigestAssert.Contains(Client, image, repoDigests);
        }

        await UpstreamAssert.FetchedThroughMirrorAsync(fixture.Upstream, Client, fixture.ColdImageFor(Client));
        steps.Total();
    }
}
