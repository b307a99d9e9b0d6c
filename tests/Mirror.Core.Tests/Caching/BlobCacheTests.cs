using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mirror.Tests.Caching;

/// <summary>The blob decisions of <see cref="BlobCache"/> and <see cref="BlobFill"/>, with an in-memory upstream.</summary>
public sealed class BlobCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StubUpstream _upstream = new(new FakeTimeProvider());
    private readonly BlobCache _cache;

    public BlobCacheTests()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new MirrorOptions { Cache = new CacheOptions { MaxBlobSize = "1MiB" }, Upstreams = [_upstream.Options] });
        _cache = new BlobCache(new FileBlobStore(_dir.Path), new ContentAccessCheck(TimeProvider.System), options, NullLoggerFactory.Instance);
    }

    public void Dispose()
    {
        _upstream.Client.Dispose();
        _upstream.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task OpenAsync_MissThenHit_OneUpstreamGet()
    {
        var content = RandomNumberGenerator.GetBytes(100_000);
        var digest = _upstream.Blob(content);

        var (first, firstResult) = await ReadAsync(digest);
        var (second, secondResult) = await ReadAsync(digest);

        Assert.Equal((CacheResult.Miss, CopyResult.Completed), firstResult);
        Assert.Equal((CacheResult.Hit, CopyResult.Completed), secondResult);
        Assert.Equal(content, first);
        Assert.Equal(content, second);
        Assert.Equal(1, _upstream.Count("GET"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    public async Task OpenAsync_ConcurrentMisses_OneFillEveryoneStreams(int readers)
    {
        var content = RandomNumberGenerator.GetBytes(200_000);
        var digest = _upstream.Blob(content);
        _upstream.Gated = true;

        var reads = Enumerable.Range(0, readers).Select(_ => ReadAsync(digest)).ToList();
        await Task.Delay(100);
        _upstream.Gate.SetResult();
        var results = await Task.WhenAll(reads);

        Assert.All(results, r => Assert.Equal(content, r.Bytes));
        Assert.Single(results, r => r.Outcome.Result == CacheResult.Miss);
        Assert.Equal(1, _upstream.Count("GET"));
    }

    [Fact]
    public async Task OpenAsync_CorruptUpstream_SourceFailedNothingStored()
    {
        var claimed = Digest.Compute(new byte[] { 1, 2, 3 });
        _upstream.Blob([9, 9, 9], claimed);

        var (_, outcome) = await ReadAsync(claimed);

        Assert.Equal(CopyResult.SourceFailed, outcome.Copy);
        Assert.False(File.Exists(new CacheLayout(_dir.Path).PathOf(BlobKind.Blob, claimed)));
    }

    [Fact]
    public async Task OpenAsync_LargerThanMaxBlobSize_RefusedBeforeAnyByte()
    {
        var digest = _upstream.Blob(new byte[2 * 1024 * 1024]);

        var opened = await _cache.OpenAsync(_upstream.Scope("library/app"), digest, default);

        Assert.Null(opened.Content);
        Assert.Equal(OciErrorCode.SizeInvalid, opened.Error!.Code);
    }

    [Fact]
    public async Task OpenAsync_UnknownUpstream404_BlobUnknown()
    {
        var opened = await _cache.OpenAsync(_upstream.Scope("library/app"), Digest.Compute([7]), default);

        Assert.Equal(404, opened.Error!.StatusCode);
        Assert.Equal(OciErrorCode.BlobUnknown, opened.Error.Code);
    }

    private async Task<(byte[] Bytes, (CacheResult Result, CopyResult Copy) Outcome)> ReadAsync(Digest digest)
    {
        var opened = await _cache.OpenAsync(_upstream.Scope("library/app"), digest, default);
        using var content = opened.Content ?? throw new InvalidOperationException(opened.Error!.Message);
        using var sink = new MemoryStream();
        var copied = await content.CopyToAsync(sink, 0, content.Length, default);
        return (sink.ToArray(), (content.Result, copied));
    }
}
