namespace Mirror.FunctionalTests.Upstream;

public sealed class TokenAuthTests() : MirrorWithUpstream(startMirror: false)
{
    [Fact]
    public async Task Get_BearerChallenge_OneTokenPerScopeAndReused()
    {
        Upstream.RequireToken = true;
        var (content, digest) = Upstream.AddRandomBlob(1000);
        var other = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}")));
        await client.GetByteArrayAsync($"/v2/library/app/blobs/{other}");

        Assert.Equal(1, Upstream.Count("GET", "/token"));
    }

    [Fact]
    public async Task Get_CredentialsConfigured_SentOnlyToPinnedRealm()
    {
        Upstream.RequireToken = true;
        Upstream.TokenCredentials = ("user", "secret");
        var digest = Upstream.AddBlob([9, 9, 9]);
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:Username"] = "user",
            ["Mirror:Upstreams:0:Password"] = "secret",
        });
        using var client = mirror.CreateClient();

        Assert.Equal(new byte[] { 9, 9, 9 }, await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}"));
        Assert.Contains(Upstream.TokenAuthorizations, a => a.StartsWith("Basic ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_ForeignRealm_GetsNoCredentials()
    {
        await using var foreign = await FakeRegistry.StartAsync();
        Upstream.RequireToken = true;

        // "localhost" and 127.0.0.1 are different hosts: the realm is foreign to the Upstream.
        Upstream.RealmOverride = $"http://localhost:{foreign.Url.Port}/token";
        var digest = Upstream.AddBlob([1]);
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:Username"] = "user",
            ["Mirror:Upstreams:0:Password"] = "secret",
        });
        using var client = mirror.CreateClient();

        using var response = await client.GetAsync($"/v2/library/app/blobs/{digest}");

        Assert.Equal(1, foreign.Count("GET", "/token"));
        Assert.All(foreign.TokenAuthorizations, a => Assert.Equal(string.Empty, a));
    }

    [Fact]
    public async Task Get_RedirectToCdn_FollowedWithoutAuthorization()
    {
        Upstream.RequireToken = true;
        Upstream.RedirectBlobs = true;
        var (content, digest) = Upstream.AddRandomBlob(200_000);
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        Assert.Equal(content, await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}"));
        Assert.NotEmpty(Upstream.CdnAuthorizations);
        Assert.All(Upstream.CdnAuthorizations, a => Assert.Equal(string.Empty, a));
    }

    [Fact]
    public async Task ForwardClientAuthorization_ClientBasicExchangedForToken_NoCredentialsChallenged()
    {
        Upstream.RequireToken = true;
        Upstream.TokenCredentials = ("alice", "wonderland");
        var digest = Upstream.AddBlob([4, 2]);
        Upstream.AddManifest("team/app", "1", "{\"schemaVersion\":2}");
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:ForwardClientAuthorization"] = "true",
        });
        using var client = mirror.CreateClient();

        using var anonymous = await client.GetAsync("/v2/team/app/manifests/1");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme, StringComparison.Ordinal);
        Assert.Contains("UNAUTHORIZED", await anonymous.Content.ReadAsStringAsync());

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/team/app/blobs/{digest}");
        request.Headers.Authorization = BasicAuth.Header("alice", "wonderland");
        using var authorized = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.Equal(new byte[] { 4, 2 }, await authorized.Content.ReadAsByteArrayAsync());
        Assert.Contains(Upstream.TokenAuthorizations, a => a.StartsWith("Basic ", StringComparison.Ordinal));
    }
}
