using System.Diagnostics;

namespace Mirror.FunctionalTests.Resilience;

/// <summary>
/// The fault matrix of docs/resilience.md: what an upstream does wrong, what clients see, what is cached.
/// </summary>
public sealed class FaultMatrixTests() : MirrorWithUpstream(startMirror: false)
{
    [Fact]
    public async Task UpstreamDiesMidBlob_TwentyClients_FillResumedAndAllCorrect()
    {
        var (content, digest) = Upstream.AddRandomBlob(2 * 1024 * 1024);
        Upstream.BreakNextBlobAfter(700 * 1024);
        Upstream.ChunkDelay = TimeSpan.FromMilliseconds(2);
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        var bodies = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}")));

        Assert.All(bodies, b => Assert.Equal(content, b));
        Assert.Equal(2, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}")); // the first GET and one resume
        Assert.True(File.Exists(Path.Combine(mirror.CacheDirectory, "blobs", "sha256", digest[7..9], digest[7..])));
    }

    [Fact]
    public async Task TooManyRequestsWithRetryAfter_RetriedAfterTheDelayAndClientSucceeds()
    {
        var digest = Upstream.AddBlob([1, 2, 3]);
        Upstream.FailNext(1, 429, "2");
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        var clock = Stopwatch.StartNew();
        var body = await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");

        Assert.Equal(new byte[] { 1, 2, 3 }, body);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"retried after {clock.Elapsed}");
        var times = Upstream.Log.Where(l => l.Request.Contains(digest, StringComparison.Ordinal)).Select(l => l.At).ToList();
        Assert.Equal(2, times.Count);
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(1.9));
    }

    [Fact]
    public async Task UpstreamDown_UncachedFailsWith503WithinConnectTimeout()
    {
        await using var mirror = await MirrorServer.StartAsync(FreePort.UnreachableUrl());
        using var client = mirror.CreateClient();

        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync("/v2/library/app/manifests/1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("UNAVAILABLE", await response.Content.ReadAsStringAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task RepeatedFailures_BreakerOpensFailsFastThenClosesAfterRecovery()
    {
        var digest = Upstream.AddBlob([7]);
        Upstream.ForcedStatus = 500;
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:MaxAttempts"] = "1",
            ["Mirror:Upstreams:0:BreakerMinimumThroughput"] = "3",
            ["Mirror:Upstreams:0:BreakerSamplingDuration"] = "00:00:10",
            ["Mirror:Upstreams:0:BreakDuration"] = "00:00:01",
        });
        using var client = mirror.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            (await client.GetAsync($"/v2/library/app/blobs/{digest}")).Dispose();
        }

        var reached = Upstream.CountMatching(digest);
        var clock = Stopwatch.StartNew();
        using var fast = await client.GetAsync($"/v2/library/app/blobs/{digest}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, fast.StatusCode);
        Assert.Contains("circuit open", await fast.Content.ReadAsStringAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500), $"open breaker took {clock.Elapsed}");
        Assert.Equal(reached, Upstream.CountMatching(digest));

        Upstream.ForcedStatus = null;
        await Task.Delay(1200);
        Assert.Equal(new byte[] { 7 }, await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task Bulkhead_TwoHundredColdBlobs_NeverMoreThanFourUpstreamBodies()
    {
        Upstream.SlowBodies(8 * 1024, TimeSpan.FromMilliseconds(1));
        var blobs = Enumerable.Range(0, 200).Select(_ => RandomNumberGenerator.GetBytes(32 * 1024)).ToList();
        var digests = blobs.Select(Upstream.AddBlob).ToList();
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:MaxConcurrentFetches"] = "4",
        });
        using var client = mirror.CreateClient();

        var bodies = await Task.WhenAll(digests.Select(d => client.GetByteArrayAsync($"/v2/library/app/blobs/{d}")));

        Assert.Equal(blobs, bodies);
        Assert.InRange(Upstream.MaxConcurrentBodies, 1, 4);
    }

    [Fact]
    public async Task BulkheadQueueFull_ClientsGet429WithRetryAfter()
    {
        Upstream.SlowBodies(4 * 1024, TimeSpan.FromMilliseconds(20));
        var digests = Enumerable.Range(0, 20).Select(_ => Upstream.AddBlob(RandomNumberGenerator.GetBytes(64 * 1024))).ToList();
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:MaxConcurrentFetches"] = "2",
            ["Mirror:Upstreams:0:MaxQueuedFetches"] = "0",
        });
        using var client = mirror.CreateClient();

        var responses = await Task.WhenAll(digests.Select(d => client.GetAsync($"/v2/library/app/blobs/{d}")));

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter is not null));
        Assert.Contains("TOOMANYREQUESTS", await limited[0].Content.ReadAsStringAsync());
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.InRange(Upstream.MaxConcurrentBodies, 1, 2);
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task SlowLorisUpstream_BodyIdleTimeoutFiresAndFillResumes()
    {
        var (content, digest) = Upstream.AddRandomBlob(512 * 1024);
        Upstream.StallNextBlobAfter(100 * 1024);
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:BodyIdleTimeout"] = "00:00:01",
        });
        using var client = mirror.CreateClient();

        var clock = Stopwatch.StartNew();
        var body = await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");

        Assert.Equal(content, body);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Equal(2, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task UpstreamIgnoresRangeOnResume_FirstBytesSkippedAndBlobCorrect()
    {
        var (content, digest) = Upstream.AddRandomBlob(1024 * 1024);
        Upstream.BreakNextBlobAfter(300 * 1024);
        Upstream.IgnoreRange = true;
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        var bodies = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}")));

        Assert.All(bodies, b => Assert.Equal(content, b));
        Assert.Equal(2, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task MissingTagStorm_OneUpstreamRequestWithinNegativeTtl()
    {
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        for (var i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync("/v2/library/app/manifests/nope");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("MANIFEST_UNKNOWN", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, Upstream.CountMatching("manifests/nope"));

        // Once the tag exists and is pushed through the mirror, the remembered 404 must not hide it: covered by
        // PassThroughTests; here a short NegativeTtl lets it expire.
        await using var quick = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Upstreams:0:NegativeTtl"] = "00:00:00.300" });
        using var quickClient = quick.CreateClient();
        (await quickClient.GetAsync("/v2/library/app/manifests/later")).Dispose();
        Upstream.AddManifest("library/app", "later", "{\"schemaVersion\":2}");
        await Task.Delay(400);
        using var found = await quickClient.GetAsync("/v2/library/app/manifests/later");
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
    }

    [Fact]
    public async Task ManifestNotFound_PassedOnAsNotFound()
    {
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var response = await client.GetAsync("/v2/library/app/manifests/missing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, Upstream.CountMatching("manifests/missing")); // a 404 is not retried
    }
}
