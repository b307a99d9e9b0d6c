using Microsoft.Extensions.DependencyInjection;
using Mirror.Caching;

namespace Mirror.FunctionalTests.Security;

/// <summary>Clients that ask for many blobs and hang up cannot keep the upstream busy for everyone else.</summary>
public sealed class FillStarvationTests() : MirrorWithUpstream(startMirror: false)
{
    [Fact]
    public async Task QueuedFillsWhoseClientsLeft_NeverFetched()
    {
        Upstream.SlowBodies(16 * 1024, TimeSpan.FromMilliseconds(100)); // ~1.6 s per blob
        var abandoned = Enumerable.Range(0, 6).Select(_ => Upstream.AddBlob(RandomNumberGenerator.GetBytes(256 * 1024))).ToArray();
        var (wanted, legit) = Upstream.AddRandomBlob(1000);
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:MaxConcurrentFetches"] = "1",
        });

        using (var impatient = mirror.CreateClient())
        {
            impatient.Timeout = TimeSpan.FromMilliseconds(500);
            await Task.WhenAll(abandoned.Select(d => Record.ExceptionAsync(() => impatient.GetByteArrayAsync($"/v2/library/app/blobs/{d}"))));
        }

        using var client = mirror.CreateClient();
        Assert.Equal(wanted, await client.GetByteArrayAsync($"/v2/library/app/blobs/{legit}"));

        // One fill had its upstream answer and may finish; the five still queued left with their clients.
        var fetched = abandoned.Count(d => Upstream.Count("GET", $"/v2/library/app/blobs/{d}") > 0);
        Assert.True(fetched <= 1, $"{fetched} abandoned fills reached the upstream");
    }

    [Fact]
    public async Task ClientWithTooManyAbandonedFills_429ForNewOnesOthersServed()
    {
        Upstream.SlowBodies(16 * 1024, TimeSpan.FromMilliseconds(200));
        var slow = Enumerable.Range(0, 3).Select(_ => Upstream.AddBlob(RandomNumberGenerator.GetBytes(512 * 1024))).ToArray();
        var another = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        var joined = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Cache:MaxAbandonedFillsPerClient"] = "2",
        });

        // Start two fills and walk away once their bodies flow: they keep running, on this client's budget.
        foreach (var digest in slow[..2])
        {
            using var starter = mirror.CreateClient();
            using var response = await starter.GetAsync($"/v2/library/app/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Poll.UntilAsync(() => mirror.Services.GetRequiredService<BlobCache>().AbandonedFills == 2, "2 abandoned fills", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
        using var client = mirror.CreateClient();
        using var refused = await client.GetAsync($"/v2/library/app/blobs/{another}");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("TOOMANYREQUESTS", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, Upstream.Count("GET", $"/v2/library/app/blobs/{another}"));

        // Joining a running fill is free: the client reading its result again takes it off the budget.
        using var rejoined = await client.GetAsync($"/v2/library/app/blobs/{slow[0]}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, rejoined.StatusCode);
        using var nowAllowed = await client.GetAsync($"/v2/library/app/blobs/{joined}");
        Assert.Equal(HttpStatusCode.OK, nowAllowed.StatusCode);
    }
}
