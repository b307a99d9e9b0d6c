using System.Net;
using Mirror.Upstream;

namespace Mirror.Tests.Upstream;

public sealed class RedirectPolicyTests
{
    private static readonly RedirectPolicy PublicUpstream = new(new Uri("https://registry-1.docker.io"), []);
    private static readonly RedirectPolicy PrivateUpstream = new(new Uri("http://10.0.0.5:5000"), []);
    private static readonly RedirectPolicy LoopbackUpstream = new(new Uri("http://127.0.0.1:5001"), []);

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://cdn.example/blob")]
    [InlineData("gopher://cdn.example/")]
    public void CheckRedirect_NotHttp_Refused(string target)
    {
        Assert.NotNull(PublicUpstream.CheckRedirect(new Uri(target)));
        Assert.NotNull(LoopbackUpstream.CheckRedirect(new Uri(target)));
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://127.0.0.1:2375/containers/json")]
    [InlineData("http://localhost/")]
    [InlineData("http://10.1.2.3/")]
    [InlineData("http://172.16.0.1/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://0.0.0.0/")]
    public void CheckRedirect_PublicUpstreamToInternalAddress_Refused(string target)
    {
        Assert.NotNull(PublicUpstream.CheckRedirect(new Uri(target)));
    }

    [Theory]
    [InlineData("https://production.cloudflare.docker.com/registry-v2/blob")]
    [InlineData("https://93.184.216.34/blob")]
    public void CheckRedirect_PublicTarget_Allowed(string target)
    {
        Assert.Null(PublicUpstream.CheckRedirect(new Uri(target)));
    }

    [Fact]
    public void CheckAddress_PrivateUpstream_MayUsePrivateNotLoopbackNorLinkLocal()
    {
        Assert.Null(PrivateUpstream.CheckAddress("minio.internal", IPAddress.Parse("10.0.0.9")));
        Assert.NotNull(PrivateUpstream.CheckAddress("minio.internal", IPAddress.Loopback));
        Assert.NotNull(PrivateUpstream.CheckAddress("metadata", IPAddress.Parse("169.254.169.254")));
    }

    [Fact]
    public void CheckAddress_LoopbackUpstream_MayUseLoopbackNeverLinkLocal()
    {
        Assert.Null(LoopbackUpstream.CheckAddress("localhost", IPAddress.IPv6Loopback));
        Assert.NotNull(LoopbackUpstream.CheckAddress("metadata", IPAddress.Parse("169.254.169.254")));
    }

    [Fact]
    public void CheckAddress_NameResolvingToLoopback_RefusedForPublicUpstream()
    {
        Assert.NotNull(PublicUpstream.CheckAddress("innocent.example", IPAddress.Loopback));
        Assert.NotNull(PublicUpstream.CheckAddress("innocent.example", IPAddress.Parse("::ffff:127.0.0.1")));
    }

    [Fact]
    public void CheckAddress_UpstreamsOwnNameOnPrivateNetwork_AllowedAndWidensItsPeers()
    {
        var policy = new RedirectPolicy(new Uri("https://registry.corp.example"), []);

        Assert.Null(policy.CheckAddress("registry.corp.example", IPAddress.Parse("10.0.0.5")));
        Assert.Null(policy.CheckAddress("storage.corp.example", IPAddress.Parse("10.0.0.6")));
    }

    [Fact]
    public void CheckAddress_AllowListed_AllowedWhateverTheAddress()
    {
        var policy = new RedirectPolicy(new Uri("https://registry.example"), ["blobs.internal"]);

        Assert.Null(policy.CheckAddress("blobs.internal", IPAddress.Parse("169.254.10.10")));
        Assert.NotNull(policy.CheckAddress("other.internal", IPAddress.Parse("10.0.0.1")));
    }
}
