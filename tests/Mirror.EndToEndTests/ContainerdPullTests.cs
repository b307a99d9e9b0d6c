namespace Mirror.EndToEndTests;

/// <summary>
/// containerd (what Kubernetes nodes run) through <c>ctr</c> with a hosts.toml mirror for docker.io. containerd
/// appends <c>?ns=docker.io</c> to every request, which the mirror must accept (and may use for routing).
/// </summary>
public sealed class ContainerdPullTests(EndToEndFixture fixture, ITestOutputHelper output)
    : ClientPullTests(fixture, output, EndToEndFixture.ContainerdClientName)
{
    private const string Namespace = "e2e";
    private ContainerdDaemon? _containerd;
    private string? _hostsDirectory;

    private protected override async Task StartClientAsync(StepLog steps, AsyncDisposableStack started)
    {
        var directory = Fixture.Temp.CreateSubdirectory("ct");
        _hostsDirectory = Path.Combine(directory, "certs.d");
        Directory.CreateDirectory(Path.Combine(_hostsDirectory, "docker.io"));
        // The server stays Docker Hub, as on a real node; the mirror is tried first for pull and resolve.
        await File.WriteAllTextAsync(Path.Combine(_hostsDirectory, "docker.io", "hosts.toml"), $"""
            server = "https://registry-1.docker.io"

            [host."http://{Fixture.Mirror.HostPort}"]
              capabilities = ["pull", "resolve"]

            """);

        _containerd = started.Push(await steps.RunAsync("start containerd", () =>
            ContainerdDaemon.StartAsync(Path.Combine(directory, "d"), CancellationToken.None)));
    }

    /// <summary><c>ctr images pull --hosts-dir</c>, then the digest <c>ctr images ls</c> shows.</summary>
    private protected override async Task PullAndCheckAsync(StepLog steps, TestImage image)
    {
        // native snapshotter: unpacking with overlayfs fails when /tmp is itself on overlayfs (CI containers).
        var pull = await steps.RunAsync($"ctr images pull {image.DockerHubReference}", () =>
            _containerd!.CtrAsync(
                Namespace,
                ["images", "pull", "--hosts-dir", _hostsDirectory!, "--snapshotter", "native", image.DockerHubReference],
                CancellationToken.None));
        Assert.True(pull.Succeeded, $"ctr images pull {image.DockerHubReference} failed:\n{pull.StandardOutput}\n{pull.StandardError}");

        DigestAssert.Matches(Client, image, await _containerd!.ImageDigestAsync(Namespace, image.DockerHubReference, CancellationToken.None));
    }
}
