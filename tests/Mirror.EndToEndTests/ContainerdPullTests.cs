namespace Mirror.EndToEndTests;

/// <summary>
/// containerd (what Kubernetes nodes run) through <c>ctr</c> with a hosts.toml mirror for docker.io. containerd
/// appends <c>?ns=docker.io</c> to every request, which the mirror must accept (and may use for routing).
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ContainerdPullTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    private const string Client = EndToEndFixture.ContainerdClientName;
    private const string Namespace = "e2e";

    [Fact]
    public async Task Pull_ColdSharedAndMultiArchImages_DigestsMatchUpstream()
    {
        var steps = new StepLog(output, fixture.DescribeServers);
        var directory = fixture.Temp.CreateSubdirectory("ct");
        var hostsDirectory = Path.Combine(directory, "certs.d");
        Directory.CreateDirectory(Path.Combine(hostsDirectory, "docker.io"));
        // The server stays Docker Hub, as on a real node; the mirror is tried first for pull and resolve.
        await File.WriteAllTextAsync(Path.Combine(hostsDirectory, "docker.io", "hosts.toml"), $"""
            server = "https://registry-1.docker.io"

            [host."http://{fixture.Mirror.HostPort}"]
              capabilities = ["pull", "resolve"]

            """);

        await using var containerd = await steps.RunAsync("start containerd", () =>
            ContainerdDaemon.StartAsync(Path.Combine(directory, "d"), CancellationToken.None));

        foreach (var image in new[] { fixture.ColdImageFor(Client), fixture.SharedImage, fixture.MultiArchImage })
        {
            // native snapshotter: unpacking with overlayfs fails when /tmp is itself on overlayfs (CI containers).
            var pull = await steps.RunAsync($"ctr images pull {image.DockerHubReference}", () =>
                containerd.CtrAsync(
                    Namespace,
                    ["images", "pull", "--hosts-dir", hostsDirectory, "--snapshotter", "native", image.DockerHubReference],
                    CancellationToken.None));
            Assert.True(pull.Succeeded, $"ctr images pull {image.DockerHubReference} failed:\n{pull.StandardOutput}\n{pull.StandardError}");

            DigestAssert.Matches(Client, image, await containerd.ImageDigestAsync(Namespace, image.DockerHubReference, CancellationToken.None));
        }

        await UpstreamAssert.FetchedThroughMirrorAsync(fixture.Upstream, Client, fixture.ColdImageFor(Client));
        steps.Total();
    }
}
