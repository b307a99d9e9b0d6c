namespace Mirror.EndToEndTests;

/// <summary>podman with a registries.conf <c>[[registry.mirror]]</c> for docker.io pointing at the mirror.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class PodmanPullTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    private const string Client = EndToEndFixture.PodmanClientName;

    [Fact]
    public async Task Pull_ColdSharedAndMultiArchImages_DigestsMatchUpstream()
    {
        var steps = new StepLog(output, fixture.DescribeServers);
        var podman = PodmanClient.Create(fixture.Temp.CreateSubdirectory("podman"), fixture.Mirror.HostPort);

        foreach (var image in new[] { fixture.ColdImageFor(Client), fixture.SharedImage, fixture.MultiArchImage })
        {
            var (digest, repoDigests) = await steps.RunAsync($"podman pull {image.DockerHubReference}", () =>
                podman.PullAsync(image.DockerHubReference, CancellationToken.None));
            DigestAssert.Matches(Client, image, digest);
            DigestAssert.Contains(Client, image, repoDigests);
        }

        await UpstreamAssert.FetchedThroughMirrorAsync(fixture.Upstream, Client, fixture.ColdImageFor(Client));
        steps.Total();
    }
}
