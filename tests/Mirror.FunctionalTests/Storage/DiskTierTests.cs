using System.Text.Json;

namespace Mirror.FunctionalTests.Storage;

public sealed class DiskTierTests : IAsyncLifetime
{
    private const int BlobSize = 100_000;
    private FakeRegistry _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeRegistry.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Get_MoreThanMaxDiskSize_EvictsLeastRecentlyUsed()
    {
        // Three blobs fit under the high watermark (300 000 ≤ 304 000); a fourth brings the total back under
        // the low watermark (300 800) by evicting exactly one.
        await using var mirror = await MirrorServer.StartAsync(_upstream.Url, settings: new Dictionary<string, string?>
        {
            ["Mirror:Cache:MaxDiskSize"] = "320KB",
            ["Mirror:Cache:HighWatermark"] = "0.95",
            ["Mirror:Cache:LowWatermark"] = "0.94",
        });
        using var client = mirror.CreateClient();
        var (a, b, c, d) = (AddBlob(), AddBlob(), AddBlob(), AddBlob());
        await PullAsync(client, a);
        await PullAsync(client, b);
        await PullAsync(client, c);
        await PullAsync(client, a); // a is now more recent than b

        await PullAsync(client, d);

        await Poll.UntilAsync(() => !File.Exists(BlobPath(mirror, b)), "b evicted", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.True(File.Exists(BlobPath(mirror, a)));
        Assert.True(File.Exists(BlobPath(mirror, c)));
        Assert.True(File.Exists(BlobPath(mirror, d)));
        var cache = await GetCacheAsync(client);
        Assert.Equal(3, cache.GetProperty("disk").GetProperty("entries").GetInt64());
        Assert.Equal(3 * BlobSize, cache.GetProperty("disk").GetProperty("bytes").GetInt64());
        Assert.Equal(1, cache.GetProperty("disk").GetProperty("evicted").GetProperty("files").GetInt64());

        await PullAsync(client, b); // a miss again
        Assert.Equal(2, _upstream.Count("GET", $"/v2/library/app/blobs/{b}"));
        Assert.Equal(1, _upstream.Count("GET", $"/v2/library/app/blobs/{a}"));
    }

    [Fact]
    public async Task Restart_KeepsIndexCountAndHits()
    {
        using var cacheFolder = new TempDirectory();
        var cache = cacheFolder.Path;
        var (a, b) = (AddBlob(), AddBlob());
        await using (var first = await MirrorServer.StartAsync(_upstream.Url, cache))
        {
            using var client = first.CreateClient();
            await PullAsync(client, a);
            await PullAsync(client, b);
            await PullAsync(client, a);
            await PullAsync(client, a);
        }

        await using var second = await MirrorServer.StartAsync(_upstream.Url, cache);
        using var again = second.CreateClient();
        var stats = await GetCacheAsync(again);

        Assert.True(stats.GetProperty("index").GetProperty("recovered").GetBoolean());
        Assert.Equal(2, stats.GetProperty("disk").GetProperty("entries").GetInt64());
        Assert.Equal(2 * BlobSize, stats.GetProperty("disk").GetProperty("bytes").GetInt64());
        Assert.True(stats.GetProperty("disk").GetProperty("hits").GetInt64() >= 2, stats.ToString());
        await PullAsync(again, a);
        Assert.Equal(1, _upstream.Count("GET", $"/v2/library/app/blobs/{a}"));
    }

    [Fact]
    public async Task Restart_AfterCrashMidFill_NoPartialBlobServedAndIndexConsistent()
    {
        using var cacheFolder = new TempDirectory();
        var cache = cacheFolder.Path;
        var (kept, lost, partial) = (AddBlob(), AddBlob(), AddBlob());
        await using (var first = await MirrorServer.StartAsync(_upstream.Url, cache))
        {
            using var client = first.CreateClient();
            await PullAsync(client, kept);
            await PullAsync(client, lost);
        }

        // What a crash leaves: a fill's partial temp file, and an index entry whose file is gone.
        var hex = partial[7..];
        await File.WriteAllBytesAsync(Path.Combine(cache, "tmp", $"{hex}.{Guid.NewGuid():N}"), new byte[BlobSize / 2]);
        File.Delete(Path.Combine(cache, "blobs", "sha256", lost[7..9], lost[7..]));

        await using var second = await MirrorServer.StartAsync(_upstream.Url, cache);
        using var again = second.CreateClient();

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(cache, "tmp")));
        var stats = await GetCacheAsync(again);
        Assert.Equal(1, stats.GetProperty("disk").GetProperty("entries").GetInt64());
        Assert.Equal(BlobSize, stats.GetProperty("disk").GetProperty("bytes").GetInt64());
        await PullAsync(again, partial); // complete and correct, from the upstream
        await PullAsync(again, lost);
        Assert.Equal(1, _upstream.Count("GET", $"/v2/library/app/blobs/{partial}"));
        Assert.Equal(2, _upstream.Count("GET", $"/v2/library/app/blobs/{lost}"));
        Assert.Equal(3, (await GetCacheAsync(again)).GetProperty("disk").GetProperty("entries").GetInt64());
    }

    [Fact]
    public async Task Restart_CorruptIndex_StartsAndRebuildsFromFiles()
    {
        using var cacheFolder = new TempDirectory();
        var cache = cacheFolder.Path;
        var a = AddBlob();
        await using (var first = await MirrorServer.StartAsync(_upstream.Url, cache))
        {
            using var client = first.CreateClient();
            await PullAsync(client, a);
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(cache, "index"), "*", SearchOption.AllDirectories))
        {
            await File.WriteAllTextAsync(file, "garbage");
        }

        await using var second = await MirrorServer.StartAsync(_upstream.Url, cache);
        using var again = second.CreateClient();

        var stats = await GetCacheAsync(again);
        Assert.Equal(1, stats.GetProperty("disk").GetProperty("entries").GetInt64());
        await PullAsync(again, a);
        Assert.Equal(1, _upstream.Count("GET", $"/v2/library/app/blobs/{a}"));
    }

    private string AddBlob() => _upstream.AddBlob(RandomNumberGenerator.GetBytes(BlobSize));

    private static async Task PullAsync(HttpClient client, string digest)
    {
        var body = await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");
        Assert.Equal(digest, Sha256Digest.Of(body));
    }

    internal static async Task<JsonElement> GetCacheAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/admin/cache");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static string BlobPath(MirrorServer mirror, string digest) =>
        Path.Combine(mirror.CacheDirectory, "blobs", "sha256", digest[7..9], digest[7..]);
}
