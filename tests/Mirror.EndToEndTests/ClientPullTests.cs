namespace Mirror.EndToEndTests;

/// <summary>
/// One real client pulling through the mirror (the subclasses: skopeo, podman, dockerd, containerd): its own cold
/// image (the mirror's fill path), the image every client shares (later clients get hits), and the multi-arch index,
/// each checked against the digest the upstream serves. Last, the upstream must have served every layer of the cold
/// image: clients know only the mirror's address, so that proves the pull went through the mirror.
/// </summary>
/// <param name="fixture">The collection's upstream, images and mirror.</param>
/// <param name="output">The test's output (step timings, servers' logs on failure).</param>
/// <param name="client">The client's name in <see cref="EndToEndFixture.ColdImageFor"/> and in messages.</param>
[Collection(EndToEndCollection.Name)]
[Trait("Category", "EndToEnd")]
public abstract class ClientPullTests(EndToEndFixture fixture, ITestOutputHelper output, string client)
{
    private protected EndToEndFixture Fixture => fixture;

    private protected string Client => client;

    [Fact]
    public async Task Pull_ColdSharedAndMultiArchImages_DigestsMatchUpstream()
    {
        var steps = new StepLog(output, fixture.DescribeServers);
        await using var started = new AsyncDisposableStack();
        await StartClientAsync(steps, started);

        foreach (var image in new[] { fixture.ColdImageFor(client), fixture.SharedImage, fixture.MultiArchImage })
        {
            await PullAndCheckAsync(steps, image);
        }

        await UpstreamAssert.FetchedThroughMirrorAsync(fixture.Upstream, client, fixture.ColdImageFor(client));
        steps.Total();
    }

    /// <summary>Starts what the client needs (a daemon), pushing it on <paramref name="started"/> to stop after the test.</summary>
    private protected virtual Task StartClientAsync(StepLog steps, AsyncDisposableStack started) => Task.CompletedTask;

    /// <summary>Pulls <paramref name="image"/> through the mirror and asserts what the client recorded is its digest.</summary>
    private protected abstract Task PullAndCheckAsync(StepLog steps, TestImage image);
}
