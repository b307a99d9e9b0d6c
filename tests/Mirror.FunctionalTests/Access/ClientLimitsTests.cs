
namespace Mirror.FunctionalTests.Access;

/// <summary><c>Mirror:Limits</c>: per client, 429 with Retry-After and OCI TOOMANYREQUESTS; proxies' headers only when trusted.</summary>
public sealed class ClientLimitsTests() : MirrorWithUpstream(startMirror: false)
{
    [Fact]
    public async Task RequestsPerSecond_OverTheBurst_429WithRetryAfter()
    {
        var digest = Upstream.AddBlob([1, 2, 3]);
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Limits:RequestsPerSecond"] = "1",
            ["Mirror:Limits:Burst"] = "3",
        });
        using var client = mirror.CreateClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 6; i++)
        {
            var response = await client.GetAsync($"/v2/library/app/blobs/{digest}");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused ??= response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Contains("TOOMANYREQUESTS", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        refused.Dispose();
        using var health = await client.GetAsync("/healthz"); // only the registry API is limited
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task ConcurrentBlobStreams_SecondDownloadRefusedWhileTheFirstRuns()
    {
        Upstream.ChunkSize = 8 * 1024;
        Upstream.ChunkDelay = TimeSpan.FromMilliseconds(50);
        var slow = Upstream.AddBlob(new byte[400 * 1024]);
        var other = Upstream.AddBlob([9]);
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Limits:ConcurrentBlobStreams"] = "1" });
        using var client = mirror.CreateClient();

        using var first = await client.GetAsync($"/v2/library/app/blobs/{slow}", HttpCompletionOption.ResponseHeadersRead);
        using var second = await client.GetAsync($"/v2/library/app/blobs/{other}");
        using var manifest = await client.GetAsync("/v2/library/app/manifests/nope");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, manifest.StatusCode); // other requests are not blob streams
    }

    [Fact]
    public async Task ForwardedFor_FromUntrustedPeer_Ignored()
    {
        var digest = Upstream.AddBlob([5]);
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Limits:RequestsPerSecond"] = "1",
            ["Mirror:Limits:Burst"] = "1",
        });
        using var client = mirror.CreateClient();

        // A client that claims a new address each time is still the same client: were the header believed, each
        // of these would be a fresh client with a full bucket.
        Assert.Contains(HttpStatusCode.TooManyRequests, await FromFourAddressesAsync(client, digest));
    }

    /// <summary>Four requests in a row, each claiming another client address in X-Forwarded-For.</summary>
    private static async Task<List<HttpStatusCode>> FromFourAddressesAsync(HttpClient client, string digest)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= 4; i++)
        {
            using var response = await SendAsync(client, digest, $"203.0.113.{i}");
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string digest, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/library/app/blobs/{digest}");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task ForwardedFor_FromTrustedProxy_NamesTheClient()
    {
        var digest = Upstream.AddBlob([6]);
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Limits:RequestsPerSecond"] = "1",
            ["Mirror:Limits:Burst"] = "1",
            ["Mirror:Limits:TrustedProxies:0"] = "127.0.0.1",
        });
        using var client = mirror.CreateClient();

        // Behind the trusted proxy, four clients: each has its own bucket.
        Assert.All(await FromFourAddressesAsync(client, digest), s => Assert.Equal(HttpStatusCode.OK, s));
    }
}
