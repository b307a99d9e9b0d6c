namespace Mirror.FunctionalTests.Registry;

public sealed class ManifestPullTests : MirrorWithUpstream
{
    private const string Oci = "application/vnd.oci.image.manifest.v1+json";
    private const string Docker = "application/vnd.docker.distribution.manifest.v2+json";

    // Deliberately odd formatting: the mirror must return these exact bytes, never re-serialise them.
    private const string ManifestJson = "{\n   \"schemaVersion\": 2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",  \"config\":{},\"layers\":[]}\n";

    [Fact]
    public async Task Get_ByTag_ExactBytesTypeAndDigest()
    {
        var digest = Upstream.AddManifest("library/app", "1", ManifestJson);
        using var client = Mirror.CreateClient();

        using var response = await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Oci, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(ManifestJson, await response.Content.ReadAsStringAsync());
        Assert.Equal(ManifestJson.Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Get_ByTagTwiceWithinTtl_OneUpstreamRequest()
    {
        Upstream.AddManifest("library/app", "1", ManifestJson);
        using var client = Mirror.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, Upstream.CountMatching("/manifests/1"));
    }

    [Fact]
    public async Task Get_ByTagAfterTtl_RevalidatesWithHeadOnly()
    {
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Upstreams:0:TagTtl"] = "00:00:00" });
        Upstream.AddManifest("library/app", "1", ManifestJson);
        using var client = mirror.CreateClient();

        (await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci))).Dispose();
        using var second = await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, Upstream.Count("GET", "/v2/library/app/manifests/1"));
        Assert.Equal(1, Upstream.Count("HEAD", "/v2/library/app/manifests/1"));
    }

    [Fact]
    public async Task Get_TagMovedUpstream_NewDigestServedAfterTtl()
    {
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Upstreams:0:TagTtl"] = "00:00:00" });
        Upstream.AddManifest("library/app", "1", ManifestJson);
        using var client = mirror.CreateClient();
        (await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci))).Dispose();

        var moved = Upstream.AddManifest("library/app", "1", ManifestJson.Replace("[]", "[ ]", StringComparison.Ordinal));
        using var second = await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci));

        Assert.Equal(moved, second.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task Get_UpstreamDownAfterTtl_ServesStaleWithWarning()
    {
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Upstreams:0:TagTtl"] = "00:00:00" });
        var digest = Upstream.AddManifest("library/app", "1", ManifestJson);
        using var client = mirror.CreateClient();
        (await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci))).Dispose();

        Upstream.ForcedStatus = 503;
        using var stale = await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci));

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(digest, stale.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Contains("110", stale.Headers.GetValues("Warning").Single());
    }

    [Fact]
    public async Task Get_ByDigest_CachedForeverAndServedByDigest()
    {
        var digest = Upstream.AddManifest("library/app", null, ManifestJson);
        using var client = Mirror.CreateClient();

        using var first = await client.SendAsync(ManifestRequest.Create($"/v2/app/manifests/{digest}", Oci));
        Upstream.ForcedStatus = 500;
        using var second = await client.SendAsync(ManifestRequest.Create($"/v2/app/manifests/{digest}", Oci));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(ManifestJson, await second.Content.ReadAsStringAsync());
        Assert.Equal(1, Upstream.CountMatching("/manifests/"));
    }

    [Fact]
    public async Task Get_CachedTypeNotAccepted_NotServedFromCache()
    {
        var digest = Upstream.AddManifest("library/app", null, ManifestJson);
        using var client = Mirror.CreateClient();
        (await client.SendAsync(ManifestRequest.Create($"/v2/app/manifests/{digest}", Oci))).Dispose();

        using var docker = await client.SendAsync(ManifestRequest.Create($"/v2/app/manifests/{digest}", Docker));

        // The cached OCI manifest was not acceptable: the mirror asked the upstream again instead of serving it.
        Assert.Equal(2, Upstream.CountMatching("/manifests/"));
        Assert.NotEqual("hit memory", docker.Headers.TryGetValues("X-Mirror-Cache", out var v) ? v.Single() : null);
    }

    [Fact]
    public async Task Head_ByTag_HeadersWithoutBody()
    {
        var digest = Upstream.AddManifest("library/app", "1", ManifestJson);
        using var client = Mirror.CreateClient();

        using var response = await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci, HttpMethod.Head));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(ManifestJson.Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Get_UnknownTag_404ManifestUnknown()
    {
        using var client = Mirror.CreateClient();

        using var response = await client.SendAsync(ManifestRequest.Create("/v2/app/manifests/nope", Oci));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("MANIFEST_UNKNOWN", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_ConcurrentColdTag_OneUpstreamGet()
    {
        Upstream.AddManifest("library/app", "1", ManifestJson);
        using var client = Mirror.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.SendAsync(ManifestRequest.Create("/v2/app/manifests/1", Oci))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, Upstream.Count("GET", "/v2/library/app/manifests/1"));
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task Get_NoAcceptHeader_StillServes()
    {
        Upstream.AddManifest("library/app", "1", ManifestJson);
        using var client = Mirror.CreateClient();

        using var response = await client.GetAsync("/v2/app/manifests/1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
