namespace Mirror.FunctionalTests.Security;

/// <summary>Pushes and deletes through the mirror are the client's own acts, never the mirror account's.</summary>
public sealed class PushCredentialTests() : MirrorWithUpstream(startMirror: false)
{
    [Fact]
    public async Task AllowPushWithMirrorCredentials_RefusedAtStart()
    {

        var failure = await Record.ExceptionAsync(() => StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:Username"] = "mirror",
            ["Mirror:Upstreams:0:Password"] = "mirror-secret",
            ["Mirror:Upstreams:0:AllowPush"] = "true",
        }));

        Assert.NotNull(failure);
        Assert.Contains("AllowPush with the mirror's own credentials", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardingUpstream_AnonymousPushAndDelete_ChallengedNeverSentWithMirrorAccount()
    {
        Upstream.BasicCredentials = ("mirror", "mirror-secret"); // the mirror's account could push here
        var mirrorAccount = BasicAuth.Value("mirror", "mirror-secret");
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:Username"] = "mirror",
            ["Mirror:Upstreams:0:Password"] = "mirror-secret",
            ["Mirror:Upstreams:0:AllowPush"] = "true",
            ["Mirror:Upstreams:0:ForwardClientAuthorization"] = "true",
        });
        using var client = mirror.CreateClient();

        using var upload = await client.PostAsync("/v2/library/app/blobs/uploads/", null);
        using var delete = await client.DeleteAsync($"/v2/library/app/manifests/sha256:{new string('a', 64)}");

        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
        Assert.Equal("Basic", upload.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
        Assert.DoesNotContain(mirrorAccount, Upstream.Authorizations);
    }
}
