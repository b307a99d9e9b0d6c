namespace Mirror.EndToEndTests;

/// <summary>
/// The Docker daemon with the mirror as its <c>registry-mirrors</c> entry: pulls of docker.io images go to the mirror
/// as /v2/library/…, with no <c>ns</c> parameter.
/// </summary>
public sealed class DockerPullTests(EndToEndFixture fixture, ITestOutputHelper output)
    : ClientPullTests(fixture, output, EndToEndFixture.DockerClientName)
{
    private DockerDaemon? _docker;

    private protected override async Task StartClientAsync(StepLog steps, AsyncDisposableStack started) =>
        _docker = started.Push(await steps.RunAsync("start dockerd (+ its containerd)", () =>
            DockerDaemon.StartAsync(Fixture.Temp.CreateSubdirectory("dk"), Fixture.Mirror.HostPort, CancellationToken.None)));

    /// <summary>
    /// <c>docker pull</c>, then <c>RepoDigests</c>. Docker picks linux/amd64 out of the index and records the index
    /// digest, as it does for Docker Hub.
    /// </summary>
    private protected override async Task PullAndCheckAsync(StepLog steps, TestImage image)
    {
        var repoDigests = await steps.RunAsync($"docker pull {image.DockerHubReference}", () =>
            _docker!.PullAsync(image.DockerHubReference, CancellationToken.None));
        DigestAssert.Contains(Client, image, repoDigests);
    }
}
