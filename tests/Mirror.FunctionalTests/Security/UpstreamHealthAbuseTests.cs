using System.Diagnostics;

namespace Mirror.FunctionalTests.Security;

/// <summary>
/// A client cannot make an upstream look broken: odd requests the upstream answers with 500 are neither retried
/// nor counted by the breaker, over-long names never reach it, and a stalled upstream costs a bounded time.
/// </summary>
public sealed class UpstreamHealthAbuseTests() : MirrorWithUpstream(startMirror: false)
{
    [Fact]
    public async Task PathSpecific500_NotRetriedAndBreakerStaysClosed()
    {
        var layer = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));

        // distribution answers 500 for a manifest request naming a layer digest; /v2/ and everything else are fine.
        Upstream.StatusForPath = path => path.Contains("/manifests/sha256:", StringComparison.Ordinal) ? 500 : null;
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        for (var i = 0; i < 6; i++)
        {
            using var odd = await client.GetAsync($"/v2/library/x{i}/manifests/{layer}");
            Assert.Equal(HttpStatusCode.BadGateway, odd.StatusCode);
        }

        using var pull = await client.GetAsync($"/v2/library/app/blobs/{layer}");

        Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        Assert.Equal(1, Upstream.Count("GET", $"/v2/library/x0/manifests/{layer}"));
    }

    [Fact]
    public async Task RealOutage_StillRetriedAndOpensTheBreaker()
    {
        Upstream.ForcedStatus = 500; // /v2/ too: the upstream itself is broken
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:RetryDelay"] = "00:00:00.010",
            ["Mirror:Upstreams:0:MaxAttempts"] = "2",
            ["Mirror:Upstreams:0:BreakerMinimumThroughput"] = "2",
        });
        using var client = mirror.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var failing = await client.GetAsync($"/v2/library/app/blobs/sha256:{new string((char)('a' + i), 64)}");
        }

        var asked = Upstream.CountMatching("/blobs/");
        using var afterOpen = await client.GetAsync($"/v2/library/app/blobs/sha256:{new string('f', 64)}");

        Assert.True(asked >= 3, $"retries of a real outage: {asked} upstream blob requests");
        Assert.Equal(asked, Upstream.CountMatching("/blobs/")); // open breaker: not asked again
        Assert.Contains("circuit open", await afterOpen.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NameTooLongWithLibraryPrefix_400BeforeAnyUpstreamCall()
    {
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var response = await client.GetAsync($"/v2/{new string('a', 250)}/manifests/latest");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("NAME_INVALID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, Upstream.CountMatching("/manifests/"));
    }

    [Fact]
    public async Task UpstreamNeverSendsHeaders_ClientWaitsRequestTimeoutNotEveryAttempt()
    {
        Upstream.HangHeaders = true;
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:ResponseHeadersTimeout"] = "00:00:01",
            ["Mirror:Upstreams:0:RequestTimeout"] = "00:00:02",
            ["Mirror:Upstreams:0:MaxAttempts"] = "5",
        });
        using var client = mirror.CreateClient();
        var started = Stopwatch.StartNew();

        using var response = await client.GetManifestAsync("/v2/library/app/manifests/1");

        // 5 attempts of 1 s plus backoff took over 6 s before; RequestTimeout bounds all of them.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(4.5), $"took {started.Elapsed}");
        Assert.True(Upstream.CountMatching("/manifests/") <= 2);
    }
}
