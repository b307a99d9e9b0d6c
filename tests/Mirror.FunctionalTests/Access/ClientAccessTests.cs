
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
        Assert.Equal("Bearer", baseAnonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains($"realm=\"{mirror.Url.GetLeftPart(UriPartial.Authority)}/auth/token\"", baseAnonymous.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("UNAUTHORIZED", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        Assert.Equal(HttpStatusCode.OK, baseAlice.StatusCode);
    }

    [Fact]
    public async Task TokenFlow_LoginTokenGrantsWhatTheRulesAllow()
    {
        var digest = Upstream.AddBlob([3, 1, 4]);
        var settings = Rules(("alice", null, ["pull", "push"]), ("bob", null, ["pull"]));
        settings["Mirror:Upstreams:0:AllowPush"] = "true";
        await using var mirror = await StartMirrorAsync(Settings(settings));
        using var client = mirror.CreateClient();

        // What docker login and a push do: the challenge's realm, with Basic credentials, for the scopes needed.
        using var challenge = await SendAsync(client, HttpMethod.Post, "/v2/library/app/blobs/uploads/", null);
        var aliceToken = await TokenAsync(client, Alice, "repository:library/app:pull,push");
        var bobToken = await TokenAsync(client, Bob, "repository:library/app:pull,push");
        using var refusedToken = await SendAsync(client, HttpMethod.Get, "/auth/token?service=x&scope=repository:library/app:pull", BasicAuth.Header("alice", "wrong"));
        using var alicePush = await SendAsync(client, HttpMethod.Post, "/v2/library/app/blobs/uploads/", new("Bearer", aliceToken));
        using var bobPush = await SendAsync(client, HttpMethod.Post, "/v2/library/app/blobs/uploads/", new("Bearer", bobToken));
        using var bobPull = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", new("Bearer", bobToken));
        using var otherRepository = await SendAsync(client, HttpMethod.Get, $"/v2/library/other/blobs/{digest}", new("Bearer", bobToken));
        using var forged = await SendAsync(client, HttpMethod.Get, $"/v2/library/app/blobs/{digest}", new("Bearer", bobToken[..^4] + "AAAA"));

        Assert.Contains("scope=\"repository:library/app:pull,push\"", challenge.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedToken.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, alicePush.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bobPush.StatusCode); // the rules deny bob a push: final, whatever the token
        Assert.Equal(HttpStatusCode.OK, bobPull.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherRepository.StatusCode); // not in the token: a new token is needed
        Assert.Contains("repository:library/other:pull", otherRepository.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    private static async Task<string> TokenAsync(HttpClient client, AuthenticationHeaderValue credentials, string scope)
    {
        using var response = await SendAsync(client, HttpMethod.Get, $"/auth/token?service=mirror&scope={Uri.EscapeDataString(scope)}", credentials);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("expires_in").GetInt32() > 0);
        return json.RootElement.GetProperty("token").GetString()!;
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
        await using var mirror = await StartMirrorAsync(Settings(Rules(("alice", "library/**", ["pull"]), ("bob", "team/*", ["pull"]))));
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

    /// <summary><c>Mirror:Access:Rules</c> entries, in order: a user, an optional repository glob, the actions.</summary>
    private static Dictionary<string, string?> Rules(params (string User, string? Repository, string[] Actions)[] rules)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < rules.Length; i++)
        {
            settings[$"Mirror:Access:Rules:{i}:Users:0"] = rules[i].User;
            if (rules[i].Repository is { } repository)
            {
                settings[$"Mirror:Access:Rules:{i}:Repositories:0"] = repository;
            }

            for (var a = 0; a < rules[i].Actions.Length; a++)
            {
                settings[$"Mirror:Access:Rules:{i}:Actions:{a}"] = rules[i].Actions[a];
            }
        }

        return settings;
    }

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
