namespace Mirror.EndToEndTests;

/// <summary>podman with a registries.conf <c>[[registry.mirror]]</c> for docker.io pointing at the mirror.</summary>
public sealed class PodmanPullTests(EndToEndFixture fixture, ITestOutputHelper output)
    : ClientPullTests(fixture, output, EndToEndFixture.PodmanClientName)
{
    private PodmanClient? _podman;

    private protected override Task StartClientAsync(StepLog steps, AsyncDisposableStack started)
    {
        _podman = PodmanClient.Create(Fixture.Temp.CreateSubdirectory("podman"), Fixture.Mirror.HostPort);
        return Task.CompletedTask;
    }

    /// <summary><c>podman pull docker.io/library/…</c>: <c>.Digest</c> and <c>.RepoDigests</c>.</summary>
    private protected override async Task PullAndCheckAsync(StepLog steps, TestImage image)
    {
        var (digest, repoDigests) = await steps.RunAsync($"podman pull {image.DockerHubReference}", () =>
            _podman!.PullAsync(image.DockerHubReference, CancellationToken.None));
        DigestAssert.Matches(Client, image, digest);
        DigestAssert.Contains(Client, image, repoDigests);
    }
}
