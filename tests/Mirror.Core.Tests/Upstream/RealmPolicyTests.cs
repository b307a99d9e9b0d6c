using Mirror.Upstream;

namespace Mirror.Tests.Upstream;

public sealed class RealmPolicyTests
{
    private static readonly Uri DockerHub = new("https://registry-1.docker.io");

    [Theory]
    [InlineData("https://auth.docker.io/token")]
    [InlineData("https://registry-1.docker.io/token")]
    [InlineData("https://docker.io/token")]
    [InlineData("https://AUTH.Docker.IO/token")]
    [InlineData("https://auth.docker.io:8443/token")]
    public void MaySendCredentials_SameRegistrableDomain_Allowed(string realm)
    {
        Assert.True(RealmPolicy.MaySendCredentials(DockerHub, new Uri(realm), []));
    }

    [Theory]
    [InlineData("https://evil.com/token")]
    [InlineData("https://auth.docker.io.evil.com/token")]
    [InlineData("https://dockerio.com/token")]
    [InlineData("https://docker.com/token")]
    [InlineData("https://10.0.0.1/token")]
    [InlineData("https://localhost/token")]
    public void MaySendCredentials_ForeignDomain_Refused(string realm)
    {
        Assert.False(RealmPolicy.MaySendCredentials(DockerHub, new Uri(realm), []));
    }

    [Fact]
    public void MaySendCredentials_HttpsToHttp_Refused()
    {
        Assert.False(RealmPolicy.MaySendCredentials(DockerHub, new Uri("http://auth.docker.io/token"), []));
    }

    [Fact]
    public void MaySendCredentials_HttpUpstreamHttpRealm_Allowed()
    {
        Assert.True(RealmPolicy.MaySendCredentials(
            new Uri("http://registry.internal.example:5000"),
            new Uri("http://auth.internal.example/token"),
            []));
    }

    [Fact]
    public void MaySendCredentials_HttpUpstreamHttpsRealm_Allowed()
    {
        Assert.True(RealmPolicy.MaySendCredentials(
            new Uri("http://registry.example.org"),
            new Uri("https://auth.example.org/token"),
            []));
    }

    [Fact]
    public void MaySendCredentials_SameIpAddress_Allowed()
    {
        Assert.True(RealmPolicy.MaySendCredentials(
            new Uri("https://10.0.0.1:5000"),
            new Uri("https://10.0.0.1:5001/token"),
            []));
    }

    [Theory]
    [InlineData("https://10.0.0.2/token")]
    [InlineData("https://0.1/token")]
    [InlineData("https://evil.0.1/token")]
    public void MaySendCredentials_OtherHostThanIpUpstream_Refused(string realm)
    {
        Assert.False(RealmPolicy.MaySendCredentials(new Uri("https://10.0.0.1:5000"), new Uri(realm), []));
    }

    [Fact]
    public void MaySendCredentials_IPv6_ComparedWhole()
    {
        var upstream = new Uri("https://[fd00::1]:5000");

        Assert.True(RealmPolicy.MaySendCredentials(upstream, new Uri("https://[fd00::1]/token"), []));
        Assert.False(RealmPolicy.MaySendCredentials(upstream, new Uri("https://[fd00::2]/token"), []));
    }

    [Fact]
    public void MaySendCredentials_SingleLabelHosts_ComparedWhole()
    {
        var upstream = new Uri("http://registry:5000");

        Assert.True(RealmPolicy.MaySendCredentials(upstream, new Uri("http://registry:5001/auth"), []));
        Assert.False(RealmPolicy.MaySendCredentials(upstream, new Uri("http://auth/token"), []));
    }

    [Fact]
    public void MaySendCredentials_AllowListedHost_Allowed()
    {
        var upstream = new Uri("https://registry.example.com");
        var realm = new Uri("https://login.identity.example.net/oauth2/token");

        Assert.False(RealmPolicy.MaySendCredentials(upstream, realm, []));
        Assert.True(RealmPolicy.MaySendCredentials(upstream, realm, ["login.identity.example.net"]));
        Assert.True(RealmPolicy.MaySendCredentials(upstream, realm, ["LOGIN.identity.example.NET"]));
    }

    [Fact]
    public void MaySendCredentials_AllowListIsExactHost_SiblingRefused()
    {
        var upstream = new Uri("https://registry.example.com");

        Assert.False(RealmPolicy.MaySendCredentials(upstream, new Uri("https://evil.example.net/token"), ["login.example.net"]));
        Assert.False(RealmPolicy.MaySendCredentials(upstream, new Uri("https://example.net/token"), ["login.example.net"]));
    }

    [Fact]
    public void MaySendCredentials_AllowListedHostOverHttp_Refused()
    {
        Assert.False(RealmPolicy.MaySendCredentials(
            new Uri("https://registry.example.com"),
            new Uri("http://login.example.net/token"),
            ["login.example.net"]));
    }

    [Theory]
    [InlineData("auth.docker.io", "docker.io")]
    [InlineData("registry-1.docker.io", "docker.io")]
    [InlineData("docker.io", "docker.io")]
    [InlineData("a.b.c.example.com", "example.com")]
    [InlineData("auth.docker.io.", "docker.io")]
    [InlineData("localhost", "localhost")]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("::1", "::1")]
    public void RegistrableDomain_Host_LastTwoLabelsOrAddress(string host, string expected)
    {
        Assert.Equal(expected, RealmPolicy.RegistrableDomain(host));
    }
}
