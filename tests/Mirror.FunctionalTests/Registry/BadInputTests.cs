using System.Text.Json;

namespace Mirror.FunctionalTests.Registry;

/// <summary>Malformed names, digests, references and paths get OCI error JSON with a 4xx — never a 500 or a crash.</summary>
public sealed class BadInputTests : MirrorWithUpstream
{
    [Theory]
    [InlineData("/v2/UPPER/manifests/latest", 400, "NAME_INVALID")]
    [InlineData("/v2/a..b/manifests/latest", 400, "NAME_INVALID")]
    [InlineData("/v2/-lead/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000", 400, "NAME_INVALID")]
    [InlineData("/v2/library/app/manifests/-bad-tag", 404, "MANIFEST_UNKNOWN")] // neither tag nor digest: names nothing (distribution: 404)
    [InlineData("/v2/library/app/manifests/sha256:abc", 400, "DIGEST_INVALID")]
    [InlineData("/v2/library/app/blobs/sha256:XYZ", 400, "DIGEST_INVALID")]
    [InlineData("/v2/library/app/blobs/sha256:../../../../etc/passwd", 404, "UNSUPPORTED")] // the client folds the dot segments
    [InlineData("/v2/library/app/blobs/md5:d41d8cd98f00b204e9800998ecf8427e", 400, "UNSUPPORTED")]
    [InlineData("/v2/library/app/blobs/..%2F..%2Fetc%2Fpasswd", 400, "DIGEST_INVALID")]
    [InlineData("/v2/library/%2E%2E/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000", 404, "UNSUPPORTED")]
    [InlineData("/v2/library/app/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000%2F..%2F..", 400, "DIGEST_INVALID")]
    [InlineData("/v2/library/app/manifests/latest?ns=nowhere.example", 404, "NAME_UNKNOWN")]
    [InlineData("/v2/quay.io/org/app/manifests/latest", 404, "NAME_UNKNOWN")]
    [InlineData("/v2/library/app/nothing/here", 404, "UNSUPPORTED")]
    public async Task Get_BadInput_OciErrorJson(string path, int status, string code)
    {
        using var client = Mirror.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(status, (int)response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(0, Upstream.CountMatching("/v2/"));
    }

    [Fact]
    public async Task Get_BaseEndpoint_ApiVersionHeader()
    {
        using var client = Mirror.CreateClient();

        using var response = await client.GetAsync("/v2/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-API-Version").Single());
    }

    [Fact]
    public async Task Get_UnknownNsNamesConfiguredRegistries()
    {
        using var client = Mirror.CreateClient();

        var body = await client.GetStringAsync("/v2/") + await (await client.GetAsync("/v2/x/manifests/1?ns=ghcr.io")).Content.ReadAsStringAsync();

        Assert.Contains("docker.io", body);
    }
}
