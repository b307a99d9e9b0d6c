namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>
/// Proof that a cold pull went client → mirror → upstream: clients only know the mirror's address, so a layer the
/// upstream served can only have been fetched by the mirror on the client's behalf.
/// </summary>
internal static class UpstreamAssert
{
    public static async Task FetchedThroughMirrorAsync(UpstreamRegistry upstream, string client, TestImage image)
    {
        await upstream.WaitForQuietAsync(CancellationToken.None);
        Assert.All(image.LayerDigests, layer => Assert.True(
            upstream.CountBlobGets(image.Repository, layer) >= 1,
            $"{client} pulled {image} but the upstream never served layer {layer}: the pull did not go through the mirror."));
    }
}
