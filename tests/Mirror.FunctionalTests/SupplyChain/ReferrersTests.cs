namespace Mirror.FunctionalTests.SupplyChain;

/// <summary>The referrers API from the cache: listed, filtered, kept for TagTtl, stale when the upstream is down, and in front of a 1.0 registry from the fallback tag.</summary>
public sealed class ReferrersTests() : MirrorWithUpstream(startMirror: false)
{
    private const string Repository = "library/app";

    [Fact]
    public async Task Referrers_UpstreamWithApi_ListedOnceThenFromCache()
    {
        Upstream.ReferrersApi = true;
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        var signature = Artifacts.Referrer(Upstream, Repository, image, Artifacts.Signature, "sig");
        var sbom = Artifacts.Referrer(Upstream, Repository, image, Artifacts.Sbom, "sbom");
        var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var first = await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}");
        using var second = await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(Artifacts.OciIndex, first.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new[] { signature.Digest, sbom.Digest }.Order(StringComparer.Ordinal), (await Artifacts.ListedAsync(first)).Order(StringComparer.Ordinal));
        Assert.Equal(await Artifacts.ListedAsync(first), await Artifacts.ListedAsync(second));
        Assert.StartsWith("hit", second.Headers.GetValues("X-Mirror-Cache").Single(), StringComparison.Ordinal);
        Assert.Equal(1, Upstream.Count("GET", $"/v2/{Repository}/referrers/{image.Digest}"));
        Assert.False(first.Headers.Contains("OCI-Filters-Applied"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Referrers_ArtifactTypeFilter_AppliedAndSaidWhateverTheUpstreamDid(bool upstreamFilters)
    {
        Upstream.ReferrersApi = true;
        Upstream.FilterReferrers = upstreamFilters;
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        var signature = Artifacts.Referrer(Upstream, Repository, image, Artifacts.Signature, "sig");
        Artifacts.Referrer(Upstream, Repository, image, Artifacts.Sbom, "sbom");
        var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var filtered = await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}?artifactType={Uri.EscapeDataString(Artifacts.Signature)}");

        Assert.Equal(HttpStatusCode.OK, filtered.StatusCode);
        Assert.Equal([signature.Digest], await Artifacts.ListedAsync(filtered));
        Assert.Equal("artifactType", filtered.Headers.GetValues("OCI-Filters-Applied").Single());
    }

    [Fact]
    public async Task Referrers_UpstreamIsAMirror_FilterAndNsBothReachIt()
    {
        // ?ns= joins a query that is there already: "?artifactType=…?ns=…" would make the filter match nothing.
        Upstream.ReferrersApi = true;
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        var signature = Artifacts.Referrer(Upstream, Repository, image, Artifacts.Signature, "sig");
        var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Upstreams:0:IsMirror"] = "true" });
        using var client = mirror.CreateClient();

        using var filtered = await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}?artifactType={Uri.EscapeDataString(Artifacts.Signature)}");

        Assert.Equal([signature.Digest], await Artifacts.ListedAsync(filtered));
    }

    [Fact]
    public async Task Referrers_UpstreamWithoutApi_AnsweredFromTheFallbackTag()
    {
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        var signature = Artifacts.Referrer(Upstream, Repository, image, Artifacts.Signature, "sig");
        var sbom = Artifacts.Referrer(Upstream, Repository, image, Artifacts.Sbom, "sbom");
        Artifacts.FallbackTag(Upstream, Repository, image.Digest, (signature.Digest, signature.Size, Artifacts.Signature), (sbom.Digest, sbom.Size, Artifacts.Sbom));
        var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var all = await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}");
        using var filtered = await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}?artifactType={Uri.EscapeDataString(Artifacts.Sbom)}");
        using var tag = await client.GetManifestAsync($"/v2/{Repository}/manifests/{image.Digest.Replace(':', '-')}", Artifacts.OciIndex);

        Assert.Equal([signature.Digest, sbom.Digest], await Artifacts.ListedAsync(all));
        Assert.Equal([sbom.Digest], await Artifacts.ListedAsync(filtered));
        Assert.Equal("artifactType", filtered.Headers.GetValues("OCI-Filters-Applied").Single());
        Assert.Equal(HttpStatusCode.OK, tag.StatusCode);

        // The 404 is remembered: the next lists go straight to the (cached) fallback tag.
        Assert.Equal(1, Upstream.CountMatching("/referrers/"));
    }

    [Fact]
    public async Task Referrers_NothingRefersToTheSubject_EmptyIndex()
    {
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var response = await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await Artifacts.ListedAsync(response));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Referrers_UpstreamDown_ListArtifactAndBlobsStillServed(bool api)
    {
        Upstream.ReferrersApi = api;
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        var signature = Artifacts.Referrer(Upstream, Repository, image, Artifacts.Signature, "sig");
        Artifacts.FallbackTag(Upstream, Repository, image.Digest, (signature.Digest, signature.Size, Artifacts.Signature));
        var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Upstreams:0:TagTtl"] = "00:00:00" });
        using var client = mirror.CreateClient();
        (await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}")).Dispose();
        (await client.GetManifestAsync($"/v2/{Repository}/manifests/{signature.Digest}")).Dispose();
        (await client.GetAsync($"/v2/{Repository}/blobs/{signature.Blob}")).Dispose();

        Upstream.ForcedStatus = 503;
        using var list = await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}");
        using var artifact = await client.GetManifestAsync($"/v2/{Repository}/manifests/{signature.Digest}");
        using var payload = await client.GetAsync($"/v2/{Repository}/blobs/{signature.Blob}");

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal([signature.Digest], await Artifacts.ListedAsync(list));
        Assert.StartsWith("110 mirror \"Response is Stale", list.Headers.GetValues("Warning").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, artifact.StatusCode);
        Assert.Equal("sig", await payload.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Referrers_UpstreamPages_EveryPageListed()
    {
        Upstream.ReferrersApi = true;
        Upstream.ReferrersPageSize = 1;
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        var expected = Enumerable.Range(0, 3).Select(i => Artifacts.Referrer(Upstream, Repository, image, Artifacts.Signature, $"sig {i}").Digest).Order(StringComparer.Ordinal).ToArray();
        var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var response = await client.GetAsync($"/v2/{Repository}/referrers/{image.Digest}");

        Assert.Equal(expected, await Artifacts.ListedAsync(response));
        Assert.False(response.Headers.Contains("Link"));
    }

    [Theory]
    [InlineData("/v2/library/app/referrers/sha256:abc", "DIGEST_INVALID")]
    [InlineData("/v2/library/app/referrers/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?artifactType=not%20a%20type", "UNSUPPORTED")]
    [InlineData("/v2/library/app/referrers/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?artifactType=a/b&artifactType=c/d", "UNSUPPORTED")]
    public async Task Referrers_BadInput_400WithOciError(string path, string code)
    {
        var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(code, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, Upstream.CountMatching("/referrers/"));
    }

    [Fact]
    public async Task Referrers_AccessRules_ApplyAsToImages()
    {
        Upstream.ReferrersApi = true;
        var image = Artifacts.Image(Upstream, "team/private", "1", "a");
        var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Access:Rules:0:Repositories:0"] = "library/*",
            ["Mirror:Access:Rules:0:Actions:0"] = "pull",
        });
        using var client = mirror.CreateClient();

        using var response = await client.GetAsync($"/v2/team/private/referrers/{image.Digest}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("DENIED", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, Upstream.CountMatching("/referrers/"));
    }
}
