using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Mirror.Server.Admin;

namespace Mirror.FunctionalTests.Admin;

public sealed class AdminEndpointTests : MirrorWithUpstream
{
    private const string Token = "test-admin-token-0123456789";
    [Fact]
    public async Task GetCache_Loopback_StatsWithHits()
    {
        using var client = Mirror.CreateClient();
        var digest = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");
        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");

        using var response = await client.GetAsync("/admin/cache");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var disk = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("disk");
        Assert.Equal(1, disk.GetProperty("entries").GetInt64());
        Assert.Equal(1000, disk.GetProperty("bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, disk.GetProperty("maxBytes").ValueKind);
        Assert.Equal(0.9, disk.GetProperty("highWatermark").GetDouble());
        Assert.True(disk.GetProperty("blobs").GetProperty("hits").GetInt64() >= 1);
    }

    [Fact]
    public async Task Admin_TokenConfigured_RequiresBearer()
    {
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Admin:Token"] = Token });
        using var client = mirror.CreateClient();

        using var none = await client.GetAsync("/admin/cache");
        using var wrong = await SendAsync(client, HttpMethod.Get, "/admin/cache", "not-the-token-at-all-000");
        using var right = await SendAsync(client, HttpMethod.Get, "/admin/cache", Token);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("UNAUTHORIZED", await ErrorCodeAsync(none));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public void Deny_NoTokenRemoteClient_Forbidden()
    {
        var remote = Get("10.1.2.3");
        var local = Get("::1");
        var withToken = Get("10.1.2.3");
        withToken.Request.Headers.Authorization = "Bearer " + Token;

        Assert.Equal(403, AdminEndpoints.Deny(remote, token: null)?.Status);
        Assert.Null(AdminEndpoints.Deny(local, token: null));
        Assert.Null(AdminEndpoints.Deny(withToken, Token));
        Assert.Equal(401, AdminEndpoints.Deny(local, Token)?.Status); // a token applies to loopback too
    }

    private static DefaultHttpContext Get(string from)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Host = new HostString("localhost", 5000);
        context.Connection.RemoteIpAddress = IPAddress.Parse(from);
        return context;
    }

    [Fact]
    public async Task DeleteBlob_BadAbsentPresent_400_404_200()
    {
        using var client = AdminClient();
        var digest = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");

        using var bad = await client.DeleteAsync("/admin/cache/blobs/sha256:nothex");
        using var absent = await client.DeleteAsync($"/admin/cache/blobs/sha256:{new string('0', 64)}");
        using var present = await client.DeleteAsync($"/admin/cache/blobs/{digest}");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("DIGEST_INVALID", await ErrorCodeAsync(bad));
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        Assert.Equal("BLOB_UNKNOWN", await ErrorCodeAsync(absent));
        Assert.Equal(HttpStatusCode.OK, present.StatusCode);
        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");
        Assert.Equal(2, Upstream.Count("GET", $"/v2/library/app/blobs/{digest}"));
    }

    [Fact]
    public async Task Prune_BadValue_400WithClearError()
    {
        using var client = AdminClient();

        using var bad = await client.PostAsync("/admin/prune?olderThan=yesterday", null);
        using var missing = await client.PostAsync("/admin/prune", null);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/json; charset=utf-8", bad.Content.Headers.ContentType?.ToString());
        Assert.Contains("30m, 24h or 7d", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task Prune_OlderThan_RemovesOnlyIdleEntries()
    {
        using var client = AdminClient();
        var digest = Upstream.AddBlob(RandomNumberGenerator.GetBytes(1000));
        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");

        using var keep = await client.PostAsync("/admin/prune?olderThan=24h", null);
        var kept = JsonDocument.Parse(await keep.Content.ReadAsStringAsync()).RootElement;
        await Task.Delay(20);
        using var all = await client.PostAsync("/admin/prune?olderThan=0s", null);
        var pruned = JsonDocument.Parse(await all.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, keep.StatusCode);
        Assert.Equal(0, kept.GetProperty("files").GetInt32());
        Assert.Equal(1, pruned.GetProperty("files").GetInt32());
        Assert.Equal(1000, pruned.GetProperty("bytes").GetInt64());
        Assert.Equal(0, (await Storage.DiskTierTests.GetCacheAsync(client)).GetProperty("disk").GetProperty("entries").GetInt64());
    }

    [Fact]
    public async Task InvalidateTag_NextPullAsksUpstream()
    {
        using var client = AdminClient();
        var first = Upstream.AddManifest("library/app", "1", "{\"schemaVersion\":2,\"v\":1}");
        Assert.Equal(first, await ManifestDigestAsync(client));
        var second = Upstream.AddManifest("library/app", "1", "{\"schemaVersion\":2,\"v\":2}");
        Assert.Equal(first, await ManifestDigestAsync(client)); // within TagTtl: the cached answer

        using var invalidated = await client.PostAsync("/admin/tags/invalidate?registry=docker.io&name=app&tag=1", null);
        using var missing = await client.PostAsync("/admin/tags/invalidate?name=app", null);

        Assert.Equal(HttpStatusCode.OK, invalidated.StatusCode);
        Assert.Equal("library/app", JsonDocument.Parse(await invalidated.Content.ReadAsStringAsync()).RootElement.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(second, await ManifestDigestAsync(client));
    }

    /// <summary>A client whose admin writes carry the header that marks them deliberate.</summary>
    private HttpClient AdminClient()
    {
        var client = Mirror.CreateClient();
        client.DefaultRequestHeaders.Add(AdminEndpoints.WriteHeader, "1");
        return client;
    }

    private static async Task<string> ManifestDigestAsync(HttpClient client)
    {
        using var response = await client.GetManifestAsync("/v2/app/manifests/1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("Docker-Content-Digest").Single();
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors")[0].GetProperty("code").GetString();
}
