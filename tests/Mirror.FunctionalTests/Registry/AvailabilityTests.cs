using System.Diagnostics;

namespace Mirror.FunctionalTests.Registry;

public sealed class AvailabilityTests
{
    [Fact]
    public async Task Start_UpstreamUnreachable_AnswersV2AndFailsFastWith503()
    {
        await using var mirror = await MirrorServer.StartAsync(FreePort.UnreachableUrl());
        using var client = mirror.CreateClient();

        using var v2 = await client.GetAsync("/v2/");
        var clock = Stopwatch.StartNew();
        using var manifest = await client.GetAsync("/v2/library/app/manifests/1");
        using var blob = await client.GetAsync("/v2/library/app/blobs/sha256:" + new string('a', 64));

        Assert.Equal(HttpStatusCode.OK, v2.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, manifest.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, blob.StatusCode);
        Assert.Contains("UNAVAILABLE", await blob.Content.ReadAsStringAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Restart_KeepsBlobsManifestsAndTags()
    {
        using var cacheFolder = new TempDirectory();
        var cache = cacheFolder.Path;
        var content = RandomNumberGenerator.GetBytes(100_000);
        string blobDigest, manifestDigest;
        await using (var upstream = await FakeRegistry.StartAsync())
        {
            blobDigest = upstream.AddBlob(content);
            manifestDigest = upstream.AddManifest("library/app", "1", "{\"schemaVersion\":2}");
            await using var first = await MirrorServer.StartAsync(upstream.Url, cache);
            using var client = first.CreateClient();
            await client.GetByteArrayAsync($"/v2/library/app/blobs/{blobDigest}");
            (await client.GetManifestAsync("/v2/app/manifests/1")).Dispose();
        }

        // The upstream is gone: everything must come from the cache directory.
        await using var second = await MirrorServer.StartAsync(FreePort.UnreachableUrl(), cache);
        using var again = second.CreateClient();
        Assert.Equal(content, await again.GetByteArrayAsync($"/v2/library/app/blobs/{blobDigest}"));
        using var byDigest = await again.GetAsync($"/v2/app/manifests/{manifestDigest}");
        Assert.Equal(HttpStatusCode.OK, byDigest.StatusCode);
        using var byTag = await again.GetManifestAsync("/v2/app/manifests/1");
        Assert.Equal(HttpStatusCode.OK, byTag.StatusCode);
        Assert.Equal(manifestDigest, byTag.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task Get_NsQueryParameter_RoutesLikeContainerd()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        var digest = upstream.AddBlob([1, 2, 3, 4]);
        await using var mirror = await MirrorServer.StartAsync(upstream.Url);
        using var client = mirror.CreateClient();

        var body = await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}?ns=docker.io");

        Assert.Equal(new byte[] { 1, 2, 3, 4 }, body);
    }
}
