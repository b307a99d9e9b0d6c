using Microsoft.Extensions.DependencyInjection;
using Mirror.Storage;

namespace Mirror.FunctionalTests.Security;

/// <summary>
/// The admin API, /metrics and /readyz as an attacker sees them: a cross-site page in the operator's browser, a
/// DNS-rebinding page, a request relayed by a local reverse proxy, a probe anyone can reach.
/// </summary>
public sealed class OperatorSurfaceTests : MirrorWithUpstream
{
    [Fact]
    public async Task AdminWrite_CrossSiteSimplePost_Refused()
    {
        using var client = Mirror.CreateClient();

        // What a form on another site can send: no custom header, a "simple" content type.
        using var form = new StringContent("x=1", null, "application/x-www-form-urlencoded");
        using var crossSite = await client.PostAsync("/admin/prune?olderThan=0s", form);
        using var deliberate = new HttpRequestMessage(HttpMethod.Post, "/admin/prune?olderThan=0s") { Content = new StringContent("{}", null, "application/json") };
        using var allowed = await client.SendAsync(deliberate);

        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("/admin/cache")]
    [InlineData("/metrics")]
    public async Task ForeignHostName_Refused(string path)
    {
        using var client = Mirror.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = "rebind.attacker.example";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ForwardedByLocalProxy_Refused()
    {
        using var client = Mirror.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/cache");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_WithAdminToken_NeedTheToken()
    {
        const string Token = "metrics-admin-token-0123456789";
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Admin:Token"] = Token });
        using var client = mirror.CreateClient();

        using var anonymous = await client.GetAsync("/metrics");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var operatorScrape = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, operatorScrape.StatusCode);
        Assert.Contains("mirror_requests_total", await operatorScrape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_NotReady_SaysWhyWithoutPaths()
    {
        var health = Mirror.Services.GetRequiredService<CacheHealth>();
        health.ReportWriteFailed("write", new IOException($"No space left on device : '{Mirror.CacheDirectory}/tmp/x'"));
        using var client = Mirror.CreateClient();

        using var response = await client.GetAsync("/readyz");
        var body = await response.Content.ReadAsStringAsync();
        health.ReportWriteSucceeded();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("cannot be written", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Mirror.CacheDirectory, body, StringComparison.Ordinal);
        Assert.DoesNotContain("/tmp", body, StringComparison.Ordinal);
    }
}
