using System.Net;
using System.Security.Cryptography;
using Mirror.FunctionalTests.Infrastructure;

namespace Mirror.FunctionalTests.Upstream;

public sealed class TokenAuthTests
{
    [Fact]
    public async Task Get_BearerChallenge_OneTokenPerScopeAndReused()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        upstream.RequireToken = true;
        var content = RandomNumberGenerator.GetBytes(1000);
        var digest = upstream.AddBlob(content);
        var other = upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        await using var mirror = await MirrorServer.StartAsync(upstream.Url);
        using var client = mirror.CreateClient();

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}")));
        await client.GetByteArrayAsync($"/v2/library/app/blobs/{other}");

        Assert.Equal(1, upstream.Count("GET", "/token"));
    }

    [Fact]
    public async Task Get_CredentialsConfigured_SentOnlyToPinnedRealm()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        upstream.RequireToken = true;
        upstream.TokenCredentials = ("user", "secret");
        var digest = upstream.AddBlob([9, 9, 9]);
        await using var mirror = await MirrorServer.StartAsync(upstream.Url, settings: new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:Username"] = "user",
            ["Mirror:Upstreams:0:Password"] = "secret",
        });
        using var client = mirror.CreateClient();

        Assert.Equal(new byte[] { 9, 9, 9 }, await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}"));
        Assert.Contains(upstream.TokenAuthorizations, a => a.StartsWith("Basic ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_ForeignRealm_GetsNoCredentials()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        await using var foreign = await FakeRegistry.StartAsync();
        upstream.RequireToken = true;

        // "localhost" and 127.0.0.1 are different hosts: the realm is foreign to the upstream.
        upstream.RealmOverride = $"http://localhost:{foreign.Url.Port}/token";
        var digest = upstream.AddBlob([1]);
        await using var mirror = await MirrorServer.StartAsync(upstream.Url, settings: new Dictionary<string, string?>
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
        await using var upstream = await FakeRegistry.StartAsync();
        upstream.RequireToken = true;
        upstream.RedirectBlobs = true;
        var content = RandomNumberGenerator.GetBytes(200_000);
        var digest = upstream.AddBlob(content);
        await using var mirror = await MirrorServer.StartAsync(upstream.Url);
        using var client = mirror.CreateClient();

        Assert.Equal(content, await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}"));
        Assert.NotEmpty(upstream.CdnAuthorizations);
        Assert.All(upstream.CdnAuthorizations, a => Assert.Equal(string.Empty, a));
    }

    [Fact]
    public async Task ForwardClientAuthorization_ClientBasicExchangedForToken_NoCredentialsChallenged()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        upstream.RequireToken = true;
        upstream.TokenCredentials = ("alice", "wonderland");
        var digest = upstream.AddBlob([4, 2]);
        upstream.AddManifest("team/app", "1", "{\"schemaVersion\":2}");
        await using var mirror = await MirrorServer.StartAsync(upstream.Url, settings: new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:ForwardClientAuthorization"] = "true",
        });
        using var client = mirror.CreateClient();

        using var anonymous = await client.GetAsync("/v2/team/app/manifests/1");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme, StringComparison.Ordinal);
        Assert.Contains("UNAUTHORIZED", await anonymous.Content.ReadAsStringAsync());

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/team/app/blobs/{digest}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("alice:wonderland")));
        using var authorized = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.Equal(new byte[] { 4, 2 }, await authorized.Content.ReadAsByteArrayAsync());
        Assert.Contains(upstream.TokenAuthorizations, a => a.StartsWith("Basic ", StringComparison.Ordinal));
    }
}
