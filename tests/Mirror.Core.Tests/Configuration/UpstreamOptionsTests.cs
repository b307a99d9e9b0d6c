
namespace Mirror.Tests.Configuration;

public sealed class UpstreamOptionsTests
{
    [Fact]
    public void EffectiveUrl_DockerHubWithoutUrl_RegistryOne()
    {
        var options = new UpstreamOptions { Name = "docker.io" };

        Assert.Equal("https://registry-1.docker.io/", options.EffectiveUrl.AbsoluteUri);
    }

    [Theory]
    [InlineData("ghcr.io", "https://ghcr.io/")]
    [InlineData("registry.k8s.io", "https://registry.k8s.io/")]
    [InlineData("localhost:5000", "https://localhost:5000/")]
    public void EffectiveUrl_OtherNameWithoutUrl_HttpsName(string name, string expected)
    {
        Assert.Equal(expected, new UpstreamOptions { Name = name }.EffectiveUrl.AbsoluteUri);
    }

    [Theory]
    [InlineData("http://localhost:5000", "http://localhost:5000/")]
    [InlineData("http://localhost:5000/", "http://localhost:5000/")]
    [InlineData("https://mirror.example.com/registry/", "https://mirror.example.com/registry")]
    public void EffectiveUrl_UrlSet_UsesUrl(string url, string expected)
    {
        Assert.Equal(expected, new UpstreamOptions { Name = "docker.io", Url = url }.EffectiveUrl.AbsoluteUri);
    }

    [Fact]
    public void EffectiveUrl_EmptyUrl_Default()
    {
        Assert.Equal("https://ghcr.io/", new UpstreamOptions { Name = "ghcr.io", Url = "" }.EffectiveUrl.AbsoluteUri);
    }

    [Fact]
    public void Defaults_AreDocumentedValues()
    {
        var options = new UpstreamOptions();

        Assert.Equal(TimeSpan.FromMinutes(5), options.TagTtl);
        Assert.Equal(TimeSpan.FromHours(24), options.MaxStale);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ResponseHeadersTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.BodyIdleTimeout);
        Assert.Equal(3, options.MaxResumes);
        Assert.False(options.AllowPush);
        Assert.False(options.ForwardClientAuthorization);
        Assert.Empty(options.TokenRealmAllowList);
    }
}
