using System.Diagnostics;

namespace Mirror.FunctionalTests.Registry;

public sealed class BlobPullTests : MirrorWithUpstream
{
    private static readonly TimeSpan FifteenSeconds = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Get_FiftyConcurrentColdClients_OneUpstreamGetAndCorrectBytes()
    {
        var (content, digest) = Upstream.AddRandomBlob(4 * 1024 * 1024);
        Upstream.ChunkDelay = TimeSpan.FromMilliseconds(5);
        using var client = Mirror.CreateClient();

        var pulls = Enumerable.Range(0, 50).Select(async _ =>
        {
            using var response = await client.GetAsync($"/v2/library/app/blobs/{digest}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(content.Length, response.Content.Headers.ContentLength);
            Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());
            return Sha256Digest.Of(await response.Content.ReadAsByteArrayAsync());
        });
        var digests = await Task.WhenAll(pulls);

        Assert.All(digests, d => Assert.Equal(digest, d));
        Assert.Equal(1, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task Get_LateJoiner_GetsFirstByteBeforeFillEnds()
    {
        var (content, digest) = Upstream.AddRandomBlob(2 * 1024 * 1024);
        Upstream.SlowBodies(16 * 1024, TimeSpan.FromMilliseconds(20)); // 128 chunks ≈ 2.6 s
        using var client = Mirror.CreateClient();

        using var first = await client.GetAsync($"/v2/library/app/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead);
        var firstBody = first.Content.ReadAsByteArrayAsync();
        await Task.Delay(300);

        var clock = Stopwatch.StartNew();
        using var late = await client.GetAsync($"/v2/library/app/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead);
        await using var lateStream = await late.Content.ReadAsStreamAsync();
        var buffer = new byte[1];
        Assert.Equal(1, await lateStream.ReadAsync(buffer));
        var firstByteAt = clock.Elapsed;

        Assert.False(firstBody.IsCompleted, "the fill should still be running when the late joiner reads its first byte");
        Assert.Equal(content[0], buffer[0]);
        Assert.True(firstByteAt < TimeSpan.FromSeconds(1), $"first byte after {firstByteAt}");
        Assert.Equal(content.Length, late.Content.Headers.ContentLength);
        var rest = new MemoryStream();
        await lateStream.CopyToAsync(rest);
        Assert.Equal(content.AsSpan(1).ToArray(), rest.ToArray());
        Assert.Equal(content, await firstBody);
        Assert.Equal(1, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
        Assert.Equal("coalesced upstream", late.Headers.GetValues("X-Mirror-Cache").Single());
    }

    [Fact]
    public async Task Get_CorruptUpstream_ClientsAbortedAndNothingCached()
    {
        var (content, digest) = Upstream.AddRandomBlob(512 * 1024);
        Upstream.CorruptBlobs = true;
        using var client = Mirror.CreateClient();

        var pulls = Enumerable.Range(0, 3).Select(_ => Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await client.GetAsync($"/v2/library/app/blobs/{digest}");
            await response.Content.ReadAsByteArrayAsync();
        }));
        var errors = await Task.WhenAll(pulls);
        Assert.All(errors, e => Assert.IsAssignableFrom<HttpRequestException>(e is HttpRequestException ? e : e.InnerException ?? e));

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Mirror.CacheDirectory, "blobs"), "*", SearchOption.AllDirectories));
        await Poll.UntilAsync(() => Directory.EnumerateFiles(Path.Combine(Mirror.CacheDirectory, "tmp")).Any() is false, "tmp/ emptied", FifteenSeconds);

        // A client that arrives after a failed fill closed starts a fresh one (failures are not cached), so the
        // corrupt phase may cost more than one GET; the retry after it costs exactly one.
        var corruptGets = Upstream.Count("GET", $"/v2/library/app/blobs/{digest}");
        Assert.InRange(corruptGets, 1, 3);
        Upstream.CorruptBlobs = false;
        using var retry = await client.GetAsync($"/v2/library/app/blobs/{digest}");
        Assert.Equal(content, await retry.Content.ReadAsByteArrayAsync());
        Assert.Equal(corruptGets + 1, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task Get_UpstreamDiesMidBlob_FillResumesAndClientsGetWholeBlob()
    {
        var (content, digest) = Upstream.AddRandomBlob(1024 * 1024);
        Upstream.BreakNextBlobAfter(300 * 1024);
        using var client = Mirror.CreateClient();

        var bodies = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}")));

        Assert.All(bodies, b => Assert.Equal(content, b));
        Assert.Equal(2, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task Get_UpstreamDiesMidBlobAndResumesFail_ClientsAborted()
    {
        var (content, digest) = Upstream.AddRandomBlob(1024 * 1024);
        Upstream.BreakBlobAfter = 100 * 1024;
        Upstream.RangedStatus = 500; // every resume fails
        using var client = Mirror.CreateClient();

        using var response = await client.GetAsync($"/v2/library/app/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsByteArrayAsync());
        Assert.False(File.Exists(BlobPath(digest)));
    }

    [Fact]
    public async Task Get_RangeDuringFill_PartialContentWithExactBytes()
    {
        var (content, digest) = Upstream.AddRandomBlob(1024 * 1024);
        Upstream.SlowBodies(32 * 1024, TimeSpan.FromMilliseconds(10));
        using var client = Mirror.CreateClient();

        using var full = await client.GetAsync($"/v2/library/app/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/library/app/blobs/{digest}");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(500_000, 599_999);
        using var partial = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal($"bytes 500000-599999/{content.Length}", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal(content.AsSpan(500_000, 100_000).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(content, await full.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
    }

    [Theory]
    [InlineData("bytes=0-", 206, "bytes 0-999/1000", 1000)]
    [InlineData("bytes=10-19", 206, "bytes 10-19/1000", 10)]
    [InlineData("bytes=990-2000", 206, "bytes 990-999/1000", 10)]
    [InlineData("bytes=-100", 206, "bytes 900-999/1000", 100)]
    [InlineData("bytes=1000-", 416, "bytes */1000", -1)]
    [InlineData("bytes=5-1", 416, null, -1)]
    [InlineData("bytes=0-1,4-5", 416, null, -1)]
    [InlineData("lines=1-2", 416, null, -1)]
    public async Task Get_RangeOnHit_ExactStatusAndContentRange(string range, int status, string? contentRange, int length)
    {
        var (content, digest) = Upstream.AddRandomBlob(1000);
        using var client = Mirror.CreateClient();
        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/library/app/blobs/{digest}");
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(contentRange, response.Content.Headers.ContentRange?.ToString() ?? (response.Content.Headers.TryGetValues("Content-Range", out var v) ? v.Single() : null));
        var body = await response.Content.ReadAsByteArrayAsync();
        if (length >= 0)
        {
            Assert.Equal(length, body.Length);
            Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        }
        else
        {
            Assert.Contains("RANGE_INVALID", System.Text.Encoding.UTF8.GetString(body));
        }
    }

    [Fact]
    public async Task Get_ClientDisconnects_FillCompletesAndNextPullHits()
    {
        var (content, digest) = Upstream.AddRandomBlob(1024 * 1024);
        Upstream.SlowBodies(32 * 1024, TimeSpan.FromMilliseconds(10));
        using (var client = Mirror.CreateClient())
        using (var response = await client.GetAsync($"/v2/library/app/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead))
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.ReadExactlyAsync(new byte[1000]);
        }

        await Poll.UntilAsync(() => File.Exists(BlobPath(digest)), "the fill committed", FifteenSeconds);
        using var again = Mirror.CreateClient();
        using var hit = await again.GetAsync($"/v2/library/app/blobs/{digest}");
        Assert.Equal(content, await hit.Content.ReadAsByteArrayAsync());
        Assert.Equal("hit disk", hit.Headers.GetValues("X-Mirror-Cache").Single());
        Assert.Equal(1, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task Head_Uncached_AsksUpstreamAndDoesNotFill()
    {
        var (content, digest) = Upstream.AddRandomBlob(5000);
        using var client = Mirror.CreateClient();

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/library/app/blobs/{digest}"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(5000, head.Content.Headers.ContentLength);
        Assert.Equal(digest, head.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(1, Upstream.Count("HEAD", $"/v2/library/app/blobs/{digest}"));
        Assert.Equal(0, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task Get_UnknownBlob_404BlobUnknown()
    {
        using var client = Mirror.CreateClient();
        var digest = Sha256Digest.Of([1, 2, 3]);

        using var response = await client.GetAsync($"/v2/library/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("BLOB_UNKNOWN", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_SameBlobThroughTwoRepositories_StoredAndFetchedOnce()
    {
        var (content, digest) = Upstream.AddRandomBlob(10_000);
        using var client = Mirror.CreateClient();

        Assert.Equal(content, await client.GetByteArrayAsync($"/v2/library/one/blobs/{digest}"));
        Assert.Equal(content, await client.GetByteArrayAsync($"/v2/team/two/blobs/{digest}"));

        Assert.Equal(1, Upstream.CountMatching($"GET /v2/") - Upstream.CountMatching("manifests"));
    }

    private string BlobPath(string digest) =>
        Path.Combine(Mirror.CacheDirectory, "blobs", "sha256", digest[7..9], digest[7..]);
}
