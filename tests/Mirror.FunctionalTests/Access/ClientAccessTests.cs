
namespace Mirror.FunctionalTests.Access;

/// <summary>
/// <c>Mirror:Auth:Htpasswd</c> and <c>Mirror:Access:Rules</c>: who may pull and push what, decided before the cache —
/// a cached hit is refused exactly like a miss.
/// </summary>
public sealed class ClientAccessTests() : MirrorWithUpstream(startMirror: false), IDisposable
{
    private readonly TempDirectory _files = new();

    private AuthenticationHeaderValue Alice => BasicAuth.Header("alice", "alice-pw");

    private AuthenticationHeaderValue Bob => BasicAuth.Header("bob", "bob-pw");

    [Fact]
    public async Task Htpasswd_NoCredentials_ChallengedWrongOnesRefusedRightOnesServed()
    {
        var digest = Upstream.AddBlob([1, 2, 3]);
        await using var mirror = await StartMirrorAsync(Settings());
        using var client = mirror.CreateClient();

        using var baseAnonymous = await SendAsync(client, HttpMethod.Get, "/v2/", null);
        using var anonymous = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", null);
        using var wrong = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", BasicAuth.Header("alice", "nope"));
        using var alice = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", Alice);
        using var baseAlice = await SendAsync(client, HttpMethod.Get, "/v2/", Alice);

        Assert.Equal(HttpStatusCode.Unauthorized, baseAnonymous.StatusCode);
        Assert.Equal("Basic", baseAnonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("UNAUTHORIZED", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        Assert.Equal(HttpStatusCode.OK, baseAlice.StatusCode);
    }

    [Fact]
    public async Task AnonymousPullOn_NoCredentialsServedWrongOnesStillRefused()
    {
        var digest = Upstream.AddBlob([4, 5, 6]);
        await using var mirror = await StartMirrorAsync(Settings(new() { ["Mirror:Auth:AnonymousPull"] = "true" }));
        using var client = mirror.CreateClient();

        using var anonymous = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", null);
        using var wrong = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", BasicAuth.Header("bob", "nope"));

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task Rules_DeniedPull403EvenForACachedBlob()
    {
        var digest = Upstream.AddBlob([7, 8, 9]);
        await using var mirror = await StartMirrorAsync(Settings(new()
        {
            ["Mirror:Access:Rules:0:Users:0"] = "alice",
            ["Mirror:Access:Rules:0:Repositories:0"] = "library/**",
            ["Mirror:Access:Rules:0:Actions:0"] = "pull",
            ["Mirror:Access:Rules:1:Users:0"] = "bob",
            ["Mirror:Access:Rules:1:Repositories:0"] = "team/*",
            ["Mirror:Access:Rules:1:Actions:0"] = "pull",
        }));
        using var client = mirror.CreateClient();

        using var alice = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", Alice);
        using var bob = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", Bob);
        using var bobOwn = await SendAsync(client, HttpMethod.Get, $"/v2/team/app/blobs/{digest}", Bob);

        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bob.StatusCode); // cached by alice's pull: refused all the same
        var body = await bob.Content.ReadAsStringAsync();
        Assert.Contains("DENIED", body, StringComparison.Ordinal);
        Assert.Contains("Mirror:Access:Rules", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, bobOwn.StatusCode);
        Assert.Equal(1, Upstream.CountMatching($"/blobs/{digest}"));
    }

    [Fact]
    public async Task Rules_PullOnlyUserPush403PushUserForwarded()
    {
        await using var mirror = await StartMirrorAsync(Settings(new()
        {
            ["Mirror:Upstreams:0:AllowPush"] = "true",
            ["Mirror:Access:GroupsFile"] = Write("groups", "writers: bob\n"),
            ["Mirror:Access:Rules:0:Groups:0"] = "writers",
            ["Mirror:Access:Rules:0:Actions:0"] = "pull",
            ["Mirror:Access:Rules:0:Actions:1"] = "push",
            ["Mirror:Access:Rules:1:Users:0"] = "*",
            ["Mirror:Access:Rules:1:Actions:0"] = "pull",
        }));
        using var client = mirror.CreateClient();

        using var alice = await SendAsync(client, HttpMethod.Post, "/v2/library/app/blobs/uploads/", Alice);
        using var anonymous = await SendAsync(client, HttpMethod.Post, "/v2/library/app/blobs/uploads/", null);
        using var bob = await SendAsync(client, HttpMethod.Post, "/v2/library/app/blobs/uploads/", Bob);

        Assert.Equal(HttpStatusCode.Forbidden, alice.StatusCode);
        Assert.Contains("does not allow alice to push", await alice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, bob.StatusCode);
        Assert.Equal(1, Upstream.CountMatching("/blobs/uploads"));
    }

    [Fact]
    public async Task HtpasswdChanged_NewUserAcceptedWithoutRestart()
    {
        var digest = Upstream.AddBlob([1]);
        var settings = Settings();
        await using var mirror = await StartMirrorAsync(settings);
        using var client = mirror.CreateClient();
        using (var before = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", BasicAuth.Header("carol", "carol-pw")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, before.StatusCode);
        }

        await Task.Delay(1100); // the file is looked at again at most once a second
        File.AppendAllText(settings["Mirror:Auth:Htpasswd"]!, $"carol:{BCrypt.Net.BCrypt.HashPassword("carol-pw", 4)}\n");
        File.SetLastWriteTimeUtc(settings["Mirror:Auth:Htpasswd"]!, DateTime.UtcNow.AddSeconds(5));
        using var after = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", BasicAuth.Header("carol", "carol-pw"));

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task BadAccessConfiguration_EveryErrorListedAtStart()
    {
        var failure = await Record.ExceptionAsync(() => StartMirrorAsync(new Dictionary<string, string?>
        {
            ["Mirror:Auth:Htpasswd"] = Path.Combine(_files.Path, "missing"),
            ["Mirror:Access:GroupsFile"] = Path.Combine(_files.Path, "missing-groups"),
            ["Mirror:Access:Rules:0:Actions:0"] = "write",
        }));

        Assert.NotNull(failure);
        Assert.Contains("Mirror:Auth:Htpasswd", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Mirror:Access:GroupsFile", failure.Message, StringComparison.Ordinal);
        Assert.Contains("'write' is not pull, push or delete", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();

    private Dictionary<string, string?> Settings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            // Cost 4: bcrypt's slowness is the point in production, not in a test.
            ["Mirror:Auth:Htpasswd"] = Write("htpasswd", $"alice:{BCrypt.Net.BCrypt.HashPassword("alice-pw", 4)}\nbob:{BCrypt.Net.BCrypt.HashPassword("bob-pw", 4)}\n"),
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_files.Path, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, AuthenticationHeaderValue? authorization)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = authorization;
        return await client.SendAsync(request);
    }
}
