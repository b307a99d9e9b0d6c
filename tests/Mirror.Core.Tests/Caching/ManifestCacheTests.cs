using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mirror.Tests.Caching;

/// <summary>The tag decisions of <see cref="ManifestCache"/>, with an in-memory upstream and a clock the test moves.</summary>
public sealed class ManifestCacheTests : IDisposable
{
    private const string Json = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[]}";
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly StubUpstream _upstream;
    private readonly ManifestCache _cache;
    private readonly Digest _digest;

    public ManifestCacheTests()
    {
        _upstream = new StubUpstream(_time, o =>
        {
            o.TagTtl = TimeSpan.FromMinutes(5);
            o.MaxStale = TimeSpan.FromHours(1);
            o.ForwardClientAuthorization = false;
        });
        _digest = _upstream.Tag("library/app", "1", Json);
        var options = Microsoft.Extensions.Options.Options.Create(new MirrorOptions { Upstreams = [_upstream.Options] });
        _cache = new ManifestCache(
            new FileManifestStore(_dir.Path),
            new TagStore(_dir.Path),
            new SmallObjectCache(_upstream.Cache, options),
            new ContentAccessCheck(_time),
            options,
            _time,
            NullLoggerFactory.Instance);
    }

    public void Dispose()
    {
        _upstream.Client.Dispose();
        _upstream.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task GetAsync_WithinTagTtl_HitWithoutAskingTheUpstream()
    {
        await GetAsync();
        _time.Advance(TimeSpan.FromMinutes(4));

        var again = await GetAsync();

        Assert.Equal(CacheResult.Hit, again.Result);
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task GetAsync_PastTagTtlSameDigest_OneHeadThenHit()
    {
        await GetAsync();
        _time.Advance(TimeSpan.FromMinutes(6));

        var revalidated = await GetAsync();

        Assert.Equal(CacheResult.Hit, revalidated.Result);
        Assert.Equal(1, _upstream.Count("HEAD"));
        Assert.Equal(1, _upstream.Count("GET"));
    }

    [Fact]
    public async Task GetAsync_PastTagTtlUpstreamFailing_StaleWithinMaxStaleThenError()
    {
        await GetAsync();
        _upstream.Status = HttpStatusCode.ServiceUnavailable;
        _time.Advance(TimeSpan.FromMinutes(30));

        var stale = await GetAsync();
        _time.Advance(TimeSpan.FromHours(1));
        var tooOld = await GetAsync();

        Assert.Equal(CacheResult.Stale, stale.Result);
        Assert.Equal(_digest, stale.Manifest!.Digest);
        Assert.Equal(CacheResult.Error, tooOld.Result);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, 401)]
    [InlineData(HttpStatusCode.Forbidden, 403)]
    public async Task GetAsync_RevalidationRefused_ThatAnswerNeverStale(HttpStatusCode status, int expected)
    {
        await GetAsync();
        _upstream.Status = status;
        _time.Advance(TimeSpan.FromMinutes(6));

        var refused = await GetAsync();

        Assert.Equal(CacheResult.Error, refused.Result);
        Assert.Equal(expected, refused.Error!.StatusCode);
    }

    [Fact]
    public async Task GetAsync_TagGoneUpstream_404AndForgotten()
    {
        _upstream.Options.NegativeTtl = TimeSpan.Zero; // the memory tier's 404 expiry runs on the real clock
        await GetAsync();
        _upstream.Status = HttpStatusCode.NotFound;
        _time.Advance(TimeSpan.FromMinutes(6));

        var gone = await GetAsync();
        _upstream.Status = null;
        var back = await GetAsync();

        Assert.Equal(404, gone.Error!.StatusCode);
        Assert.Equal(CacheResult.Miss, back.Result);
    }

    [Fact]
    public async Task GetAsync_ByDigestCached_HitWithoutAsking()
    {
        await GetAsync();

        var byDigest = await _cache.GetAsync(_upstream.Scope("library/app"), Reference.ForDigest(_digest), [MediaTypes.OciManifest], default);

        Assert.Equal(CacheResult.Hit, byDigest.Result);
        Assert.Single(_upstream.Requests);
    }

    private async Task<ManifestLookup> GetAsync()
    {
        Reference.TryParse("1", out var tag);
        return await _cache.GetAsync(_upstream.Scope("library/app"), tag!, [MediaTypes.OciManifest], default);
    }
}
