namespace Mirror.FunctionalTests.Security;

/// <summary>
/// An upstream that misbehaves on purpose: bodies that never end, sizes it does not have, redirects into the
/// mirror's own network or to file: URLs, a wrong Content-Type for a manifest others serve too.
/// </summary>
public sealed class HostileUpstreamTests() : MirrorWithUpstream(startMirror: false)
{
    [Fact]
    public async Task EndlessBodyWithoutLength_CutOffAtMaxBlobSize()
    {
        Upstream.EndlessBlobs = true;
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Cache:MaxBlobSize"] = "2MiB",
        });
        using var client = mirror.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(20);

        var digest = "sha256:" + new string('e', 64);
        var failure = await Record.ExceptionAsync(() => client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}"));

        Assert.NotNull(failure);
        Assert.IsNotType<TaskCanceledException>(failure); // aborted by the mirror, not by the client's patience
        Assert.All(Directory.GetFiles(Path.Combine(mirror.CacheDirectory, "tmp")), f => Assert.True(new FileInfo(f).Length <= 2 * 1024 * 1024));
    }

    [Fact]
    public async Task ClaimedLengthOverMaxBlobSize_RefusedWithoutReserving()
    {
        var digest = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        Upstream.ClaimedBlobLength = 10_000_000_000;
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Cache:MaxBlobSize"] = "1GiB",
        });
        using var client = mirror.CreateClient();

        using var response = await client.GetAsync($"/v2/library/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("SIZE_INVALID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(mirror.CacheDirectory, "tmp")));
    }

    [Fact]
    public async Task ClaimedLengthOverFreeSpace_ThatFillFailsNodeStaysReady()
    {
        var digest = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        Upstream.ClaimedBlobLength = 100_000_000_000_000; // 100 TB
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Cache:MaxBlobSize"] = "1PiB",
        });
        using var client = mirror.CreateClient();

        var failure = await Record.ExceptionAsync(() => client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}"));
        using var ready = await client.GetAsync("/readyz");

        Assert.NotNull(failure); // the upstream cannot send 100 TB: the client's transfer breaks
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.DoesNotContain(mirror.CacheDirectory, await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/iam")]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://127.0.0.1/blob")]
    [InlineData("http://[fe80::1]/blob")]
    public async Task RedirectToForbiddenTarget_502NotFollowed(string target)
    {
        var digest = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        Upstream.RedirectBlobsTo = target;
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var response = await client.GetAsync($"/v2/library/app/blobs/{digest}");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("\"errors\"", body, StringComparison.Ordinal);
        Assert.Contains("redirect", body, StringComparison.Ordinal);
        Assert.Equal(1, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}")); // refused, not retried
    }

    [Fact]
    public async Task RedirectToLoopback_FromLoopbackUpstream_Followed()
    {
        await using var cdn = await FakeRegistry.StartAsync();
        var (content, digest) = Upstream.AddRandomBlob(1000);
        cdn.AddBlob(content);
        Upstream.RedirectBlobsTo = new Uri(cdn.Url, "/cdn/" + digest).AbsoluteUri.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        Assert.Equal(content, await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task SameManifestFromAnotherUpstreamAsHtml_KeepsItsOwnMediaType()
    {
        const string Json = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[]}";
        await using var hostile = await FakeRegistry.StartAsync();
        await using var honest = await FakeRegistry.StartAsync();
        hostile.ManifestContentType = "text/html";
        var digest = hostile.AddManifest("team/app", null, Json);
        honest.AddManifest("library/app", null, Json);
        await using var mirror = await MirrorServer.StartAsync(("docker.io", honest.Url), ("ghcr.io", hostile.Url));
        using var client = mirror.CreateClient();

        using var viaHostile = await client.GetAsync($"/v2/ghcr.io/team/app/manifests/{digest}");
        using var viaHonest = await client.GetManifestAsync($"/v2/library/app/manifests/{digest}");

        Assert.Equal("application/vnd.oci.image.manifest.v1+json", viaHostile.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, viaHonest.StatusCode);
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", viaHonest.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Encoding.UTF8.GetBytes(Json), await viaHonest.Content.ReadAsByteArrayAsync());
    }
}
