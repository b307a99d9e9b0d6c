namespace Mirror.FunctionalTests.Registry;

public sealed class PassThroughTests() : MirrorWithUpstream(startMirror: false)
{
    [Fact]
    public async Task Get_TagsList_ForwardedWithTokenAndNsDropped()
    {
        Upstream.RequireToken = true;
        Upstream.AddManifest("library/app", "1", "{}");
        Upstream.AddManifest("library/app", "2", "{ }");
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        var body = await client.GetStringAsync("/v2/app/tags/list?ns=docker.io&n=10");

        Assert.Contains("\"1\"", body);
        Assert.Contains("\"2\"", body);
        Assert.Equal(1, Upstream.Count("GET", "/v2/library/app/tags/list"));
        Assert.Equal(1, Upstream.Count("GET", "/token"));
    }

    [Fact]
    public async Task Get_Catalog_Forwarded()
    {
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        Assert.Contains("library/app", await client.GetStringAsync("/v2/_catalog"));
    }

    [Fact]
    public async Task Push_AllowPushOff_405Unsupported()
    {
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var response = await client.PostAsync("/v2/library/app/blobs/uploads/", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("UNSUPPORTED", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, Upstream.CountMatching("/blobs/uploads"));
    }

    [Fact]
    public async Task Push_AllowPush_UploadLocationRewrittenAndTagInvalidated()
    {
        Upstream.AddManifest("library/app", "1", "{\"v\":1}");
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Upstreams:0:AllowPush"] = "true" });
        using var client = mirror.CreateClient();
        using (var before = await client.GetAsync("/v2/app/manifests/1"))
        {
            Assert.Equal("{\"v\":1}", await before.Content.ReadAsStringAsync());
        }

        using var start = await client.PostAsync("/v2/app/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!.ToString();
        Assert.StartsWith("/v2/app/blobs/uploads/session-1", location, StringComparison.Ordinal);

        var layer = RandomNumberGenerator.GetBytes(100_000);
        var digest = Sha256Digest.Of(layer);
        using var put = await client.PutAsync($"{location}&digest={digest}", new ByteArrayContent(layer));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var content = new StringContent("{\"v\":2}", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
        using var manifestPut = await client.PutAsync("/v2/app/manifests/1", content);
        Assert.Equal(HttpStatusCode.Created, manifestPut.StatusCode);

        using var after = await client.GetAsync("/v2/app/manifests/1");
        Assert.Equal("{\"v\":2}", await after.Content.ReadAsStringAsync());
        Assert.Equal(layer, await client.GetByteArrayAsync($"/v2/app/blobs/{digest}"));
    }

    [Fact]
    public async Task Route_PathPrefixAndNs_PickTheirUpstream()
    {
        await using var hub = await FakeRegistry.StartAsync();
        await using var ghcr = await FakeRegistry.StartAsync();
        var hubBlob = hub.AddBlob([1]);
        var ghcrBlob = ghcr.AddBlob([2]);
        await using var mirror = await MirrorServer.StartAsync(("docker.io", hub.Url), ("ghcr.io", ghcr.Url));
        using var client = mirror.CreateClient();

        Assert.Equal(new byte[] { 1 }, await client.GetByteArrayAsync($"/v2/app/blobs/{hubBlob}"));
        Assert.Equal(new byte[] { 2 }, await client.GetByteArrayAsync($"/v2/ghcr.io/org/app/blobs/{ghcrBlob}"));
        Assert.Equal(new byte[] { 2 }, await client.GetByteArrayAsync($"/v2/org/other/blobs/{Sha256Digest.Of([2])}?ns=ghcr.io"));

        Assert.Equal(1, hub.Count("GET", $"/v2/library/app/blobs/{hubBlob}"));
        Assert.Equal(1, ghcr.Count("GET", $"/v2/org/app/blobs/{ghcrBlob}"));
        using var unknown = await client.GetAsync("/v2/x/manifests/1?ns=quay.io");
        var message = await unknown.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("NAME_UNKNOWN", message);
        Assert.Contains("ghcr.io", message);
    }
}
