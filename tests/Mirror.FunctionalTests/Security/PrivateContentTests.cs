namespace Mirror.FunctionalTests.Security;

/// <summary>
/// An upstream with ForwardClientAuthorization: what one client's credentials fetched is not another's to read,
/// by tag, by digest, from memory, from disk or stale. Each test failed before the pull scope carried a credential.
/// </summary>
public sealed class PrivateContentTests() : MirrorWithUpstream(new Dictionary<string, string?>
{
    ["Mirror:Upstreams:0:ForwardClientAuthorization"] = "true",
    ["Mirror:Upstreams:0:TagTtl"] = "00:05:00",
})
{
    private const string Manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[]}";
    private static readonly AuthenticationHeaderValue Alice = BasicAuth.Header("alice", "right");
    private static readonly AuthenticationHeaderValue WrongPassword = BasicAuth.Header("alice", "wrong");
    private string _digest = null!;

    protected override void ConfigureUpstream(FakeRegistry upstream)
    {
        upstream.BasicCredentials = ("alice", "right");
        _digest = upstream.AddManifest("secret/app", "1", Manifest);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task TagPulledByAlice_AnonymousOrWrongPassword_401NotTheManifest(string method)
    {
        using var client = Mirror.CreateClient();
        using (var authorized = await SendAsync(client, HttpMethod.Get, "/v2/secret/app/manifests/1", Alice))
        {
            Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        }

        using var anonymous = await SendAsync(client, new HttpMethod(method), "/v2/secret/app/manifests/1", null);
        using var wrong = await SendAsync(client, new HttpMethod(method), "/v2/secret/app/manifests/1", WrongPassword);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(anonymous.Headers.Contains("Docker-Content-Digest"), "HEAD must not leak the digest");
        Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revalidation_CredentialsRefused_401NeverStale()
    {
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:ForwardClientAuthorization"] = "true",
            ["Mirror:Upstreams:0:TagTtl"] = "00:00:00",
        });
        using var client = mirror.CreateClient();
        using (var first = await SendAsync(client, HttpMethod.Get, "/v2/secret/app/manifests/1", Alice))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Upstream.BasicCredentials = ("alice", "rotated"); // alice's old password no longer works upstream
        using var again = await SendAsync(client, HttpMethod.Get, "/v2/secret/app/manifests/1", Alice);

        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.False(again.Headers.Contains("Warning"));
    }

    [Fact]
    public async Task ByDigest_CachedForAlice_AnonymousRefusedOnManifestAndBlob()
    {
        var blob = Upstream.AddBlob(RandomNumberGenerator.GetBytes(5000));
        using var client = Mirror.CreateClient();
        using (var manifest = await SendAsync(client, HttpMethod.Get, $"/v2/secret/app/manifests/{_digest}", Alice))
        using (var layer = await SendAsync(client, HttpMethod.Get, $"/v2/secret/app/blobs/{blob}", Alice))
        {
            Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
            Assert.Equal(HttpStatusCode.OK, layer.StatusCode);
        }

        using var manifestAnon = await SendAsync(client, HttpMethod.Get, $"/v2/secret/app/manifests/{_digest}", null);
        using var blobAnon = await SendAsync(client, HttpMethod.Get, $"/v2/secret/app/blobs/{blob}", null);
        using var blobHeadAnon = await SendAsync(client, HttpMethod.Head, $"/v2/secret/app/blobs/{blob}", null);
        using var blobAgain = await SendAsync(client, HttpMethod.Get, $"/v2/secret/app/blobs/{blob}", Alice);

        Assert.Equal(HttpStatusCode.Unauthorized, manifestAnon.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, blobAnon.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, blobHeadAnon.StatusCode);
        Assert.Equal(HttpStatusCode.OK, blobAgain.StatusCode);
        Assert.Equal(1, Upstream.Count("GET", $"/v2/secret/app/blobs/{blob}")); // alice's second pull is a hit
    }

    [Fact]
    public async Task NotFoundForAnonymous_DoesNotBlockAlice()
    {
        Upstream.UnauthorizedStatus = 404; // like registries that hide private repositories
        using var client = Mirror.CreateClient();

        using var anonymous = await SendAsync(client, HttpMethod.Get, "/v2/secret/app/manifests/1", null);
        using var alice = await SendAsync(client, HttpMethod.Get, "/v2/secret/app/manifests/1", Alice);

        Assert.Equal(HttpStatusCode.NotFound, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
    }

    [Fact]
    public async Task Base_ForwardingUpstream_ChallengesSoClientsSendCredentials()
    {
        using var client = Mirror.CreateClient();

        using var anonymous = await SendAsync(client, HttpMethod.Get, "/v2/", null);
        using var alice = await SendAsync(client, HttpMethod.Get, "/v2/", Alice);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
    }

    [Fact]
    public async Task AccessCheck_RememberedPerCredential()
    {
        var blob = Upstream.AddBlob(RandomNumberGenerator.GetBytes(100));
        using var client = Mirror.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var response = await SendAsync(client, HttpMethod.Get, $"/v2/secret/app/blobs/{blob}", Alice);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // One HEAD asked whether alice may read it and one GET filled it; the hits asked nothing more.
        Assert.Equal(1, Upstream.Count("HEAD", $"/v2/secret/app/blobs/{blob}"));
        Assert.Equal(1, Upstream.Count("GET", $"/v2/secret/app/blobs/{blob}"));
    }

    internal static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, AuthenticationHeaderValue? authorization)
    {
        using var request = ManifestRequest.Create(path, method: method);
        request.Headers.Authorization = authorization;
        return await client.SendAsync(request);
    }
}
