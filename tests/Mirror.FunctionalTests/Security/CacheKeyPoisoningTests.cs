namespace Mirror.FunctionalTests.Security;

/// <summary>One client's odd requests must not change what another client is answered.</summary>
public sealed class CacheKeyPoisoningTests() : MirrorWithUpstream(startMirror: false)
{
    private const string Json = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[]}";

    [Fact]
    public async Task NotFoundInOneRepository_OtherUpstreamStillServesTheDigest()
    {
        await using var dockerHub = await FakeRegistry.StartAsync();
        await using var ghcr = await FakeRegistry.StartAsync();
        var digest = ghcr.AddManifest("team/neg", null, Json);
        await using var mirror = await MirrorServer.StartAsync(("docker.io", dockerHub.Url), ("ghcr.io", ghcr.Url));
        using var client = mirror.CreateClient();

        using var attacker = await GetAsync(client, $"/v2/bogus/manifests/{digest}", null);
        using var victim = await GetAsync(client, $"/v2/ghcr.io/team/neg/manifests/{digest}", null);

        Assert.Equal(HttpStatusCode.NotFound, attacker.StatusCode);
        Assert.Equal(HttpStatusCode.OK, victim.StatusCode);
    }

    [Fact]
    public async Task ThousandsOfDistinctAcceptHeaders_OneUpstreamFetchAndASmallTagFile()
    {
        Upstream.AddManifest("library/app", "1", Json);
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        for (var i = 0; i < 200; i++)
        {
            var junk = string.Join(", ", Enumerable.Range(0, 40).Select(j => $"application/x-junk-{i}-{j}+json"));
            using var response = await GetAsync(client, "/v2/library/app/manifests/1", $"application/vnd.oci.image.manifest.v1+json, {junk}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, Upstream.Count("GET", "/v2/library/app/manifests/1"));
        var tagFiles = Directory.GetFiles(Path.Combine(mirror.CacheDirectory, "tags"));
        Assert.All(tagFiles, f => Assert.True(new FileInfo(f).Length < 4096, $"{f}: {new FileInfo(f).Length} bytes"));
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept ?? "application/vnd.oci.image.manifest.v1+json");
        return await client.SendAsync(request);
    }
}
