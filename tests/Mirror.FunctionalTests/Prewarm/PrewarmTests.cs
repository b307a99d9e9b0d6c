using System.Text.Json;
using Mirror.Server.Admin;

namespace Mirror.FunctionalTests.Prewarm;

/// <summary>POST /admin/prewarm walks an index, caches every manifest and blob once, and reports progress to the total.</summary>
public sealed class PrewarmTests : IAsyncLifetime
{
    private FakeRegistry _upstream = null!;
    private MultiArchImage _image = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeRegistry.StartAsync();
        _image = MultiArchImage.Add(_upstream, "library/app", "1");
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Prewarm_MultiArchImage_EveryBlobCachedProgressReachesTotal()
    {
        await using var mirror = await MirrorServer.StartAsync(_upstream.Url);
        using var client = AdminClient(mirror);

        var job = await RunAsync(client, new { images = new[] { "app:1" } });

        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        Assert.Equal(3, job.GetProperty("manifests").GetProperty("total").GetInt64()); // the index and two platforms
        Assert.Equal(job.GetProperty("blobs").GetProperty("total").GetInt64(), job.GetProperty("blobs").GetProperty("done").GetInt64());
        Assert.Equal(_image.Blobs.Count, job.GetProperty("blobs").GetProperty("done").GetInt64());
        Assert.Equal(_image.Blobs.Sum(b => (long)b.Length), job.GetProperty("bytes").GetProperty("done").GetInt64());

        // A pull now asks the upstream for no blob.
        _upstream.ResetCounts();
        foreach (var blob in _image.Blobs)
        {
            Assert.Equal(blob, await client.GetByteArrayAsync($"/v2/library/app/blobs/{Sha256Digest.Of(blob)}"));
        }

        Assert.Equal(0, _upstream.CountMatching("/blobs/"));
    }

    [Fact]
    public async Task Prewarm_ImageWithSignature_ReferrersWarmedToo()
    {
        _upstream.ReferrersApi = true;
        var image = SupplyChain.Artifacts.Image(_upstream, "library/signed", "1", "s");
        var signature = SupplyChain.Artifacts.Referrer(_upstream, "library/signed", image, SupplyChain.Artifacts.Signature, "sig");
        await using var mirror = await MirrorServer.StartAsync(_upstream.Url);
        using var client = AdminClient(mirror);

        var job = await RunAsync(client, new { images = new[] { "signed:1" } });

        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        Assert.Equal(2, job.GetProperty("manifests").GetProperty("total").GetInt64()); // the image and its signature
        _upstream.ResetCounts();
        using var referrers = await client.GetAsync($"/v2/library/signed/referrers/{image.Digest}");
        using var artifact = await client.GetManifestAsync($"/v2/library/signed/manifests/{signature.Digest}");
        Assert.Equal("sig", await client.GetStringAsync($"/v2/library/signed/blobs/{signature.Blob}"));
        Assert.Equal([signature.Digest], await SupplyChain.Artifacts.ListedAsync(referrers));
        Assert.Equal(HttpStatusCode.OK, artifact.StatusCode);
        Assert.Equal(0, _upstream.CountMatching("/v2/library/signed/"));
    }

    [Fact]
    public async Task Prewarm_OnePlatform_OnlyItsBlobs()
    {
        await using var mirror = await MirrorServer.StartAsync(_upstream.Url);
        using var client = AdminClient(mirror);

        var job = await RunAsync(client, new { images = new[] { "app:1" }, platforms = new[] { "linux/arm64" } });

        Assert.Equal(2, job.GetProperty("manifests").GetProperty("total").GetInt64());
        Assert.Equal(_image.ArmBlobs, job.GetProperty("blobs").GetProperty("done").GetInt64());
    }

    [Fact]
    public async Task Prewarm_RacingClientPulls_EachBlobFetchedOnce()
    {
        _upstream.ChunkSize = 8 * 1024;
        _upstream.ChunkDelay = TimeSpan.FromMilliseconds(5);
        await using var mirror = await MirrorServer.StartAsync(_upstream.Url);
        using var client = AdminClient(mirror);

        var prewarm = RunAsync(client, new { images = new[] { "app:1" } });
        var pulls = _image.Blobs.Select(b => client.GetByteArrayAsync($"/v2/library/app/blobs/{Sha256Digest.Of(b)}")).ToList();
        await Task.WhenAll(pulls);
        var job = await prewarm;

        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        Assert.All(_image.Blobs, b => Assert.Equal(1, _upstream.Count("GET", $"/v2/library/app/blobs/{Sha256Digest.Of(b)}")));
    }

    [Fact]
    public async Task Prewarm_UnknownImage_JobFailedWithTheReason()
    {
        await using var mirror = await MirrorServer.StartAsync(_upstream.Url);
        using var client = AdminClient(mirror);

        var job = await RunAsync(client, new { images = new[] { "app:1", "nothere:9" } });

        Assert.Equal("failed", job.GetProperty("state").GetString());
        var missing = job.GetProperty("images")[1];
        Assert.Contains("manifest", missing.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(job.GetProperty("images")[0].GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task Schedule_ConfiguredImages_WarmedAtStart()
    {
        await using var mirror = await MirrorServer.StartAsync(_upstream.Url, settings: new Dictionary<string, string?>
        {
            ["Mirror:Prewarm:Images:0"] = "app:1",
            ["Mirror:Prewarm:Interval"] = "1h",
        });
        using var client = AdminClient(mirror);

        JsonElement job = default;
        for (var i = 0; i < 200 && job.ValueKind == JsonValueKind.Undefined; i++)
        {
            using var list = JsonDocument.Parse(await client.GetStringAsync("/admin/jobs"));
            var done = list.RootElement.GetProperty("jobs").EnumerateArray().FirstOrDefault(j => j.GetProperty("state").GetString() == "succeeded");
            job = done.ValueKind == JsonValueKind.Undefined ? default : done.Clone();
            await Task.Delay(50);
        }

        Assert.Equal("schedule", job.GetProperty("origin").GetString());
        Assert.Equal(_image.Blobs.Count, job.GetProperty("blobs").GetProperty("done").GetInt64());
    }

    [Fact]
    public async Task Schedule_BadImageOrInterval_ListedAtStart()
    {
        var failure = await Record.ExceptionAsync(() => MirrorServer.StartAsync(_upstream.Url, settings: new Dictionary<string, string?>
        {
            ["Mirror:Prewarm:Images:0"] = "UPPER:case",
            ["Mirror:Prewarm:Interval"] = "10s",
        }));

        Assert.NotNull(failure);
        Assert.Contains("Mirror:Prewarm:Images:0", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Mirror:Prewarm:Interval must be at least 1 minute", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"images\":[]}")]
    [InlineData("{\"images\":[\"UPPER/case\"]}")]
    [InlineData("{\"images\":[\"app:1\"],\"platforms\":[\"amd64\"]}")]
    [InlineData("not json")]
    public async Task Prewarm_BadRequest_400WithReason(string body)
    {
        await using var mirror = await MirrorServer.StartAsync(_upstream.Url);
        using var client = AdminClient(mirror);

        using var response = await client.PostAsync("/admin/prewarm", new StringContent(body, null, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("PARAMETER_INVALID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jobs_ListedAndUnknownIs404()
    {
        await using var mirror = await MirrorServer.StartAsync(_upstream.Url);
        using var client = AdminClient(mirror);
        var job = await RunAsync(client, new { images = new[] { "app:1" } });

        using var list = JsonDocument.Parse(await client.GetStringAsync("/admin/jobs"));
        using var unknown = await client.GetAsync("/admin/jobs/nope");

        Assert.Contains(list.RootElement.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("id").GetString() == job.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    internal static HttpClient AdminClient(MirrorServer mirror)
    {
        var client = mirror.CreateClient();
        client.DefaultRequestHeaders.Add(AdminEndpoints.WriteHeader, "1");
        return client;
    }

    /// <summary>Starts a job and polls it until it is done.</summary>
    internal static Task<JsonElement> RunAsync(HttpClient client, object body) => PrewarmJob.RunAsync(client, body, TimeSpan.FromSeconds(15));
}
