namespace Mirror.FunctionalTests.Hosting;

/// <summary>AllowedHosts works as with WebApplication.CreateBuilder, although the mirror starts from the slim builder.</summary>
public sealed class AllowedHostsTests
{
    [Theory]
    [InlineData("mirror.example", HttpStatusCode.OK)]
    [InlineData("MIRROR.example:5000", HttpStatusCode.OK)]
    [InlineData("other.example", HttpStatusCode.BadRequest)]
    public async Task Restricted_OnlyTheListedHostsAreAnswered(string host, HttpStatusCode expected)
    {
        await using var upstream = await FakeRegistry.StartAsync();
        await using var mirror = await MirrorServer.StartAsync(upstream.Url, settings: new Dictionary<string, string?> { ["AllowedHosts"] = "mirror.example;registry.example" });
        using var client = mirror.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/");
        request.Headers.Host = host;

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Star_AnyHostIsAnswered()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        await using var mirror = await MirrorServer.StartAsync(upstream.Url, settings: new Dictionary<string, string?> { ["AllowedHosts"] = "*" });
        using var client = mirror.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/");
        request.Headers.Host = "anything.example";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
