
namespace Mirror.Tests.Configuration;

public sealed class MirrorOptionsSetupTests
{
    private readonly MirrorOptionsSetup _setup = new();

    [Fact]
    public void PostConfigure_NoUpstreams_AddsDockerHub()
    {
        var options = new MirrorOptions();

        _setup.PostConfigure(null, options);

        var upstream = Assert.Single(options.Upstreams);
        Assert.Equal(UpstreamOptions.DockerHub, upstream.Name);
        Assert.Equal(new Uri(UpstreamOptions.DockerHubUrl), upstream.EffectiveUrl);
        Assert.Equal("docker.io", options.DefaultUpstream);
    }

    [Fact]
    public void PostConfigure_UpstreamsConfigured_NoDockerHubAdded()
    {
        var options = new MirrorOptions { DefaultUpstream = "ghcr.io", Upstreams = [new UpstreamOptions { Name = "ghcr.io" }] };

        _setup.PostConfigure(null, options);

        Assert.Equal("ghcr.io", Assert.Single(options.Upstreams).Name);
    }

    [Fact]
    public void PostConfigure_Names_TrimmedAndLowercased()
    {
        var options = new MirrorOptions { DefaultUpstream = " GHCR.IO ", Upstreams = [new UpstreamOptions { Name = "  GHCR.io " }] };

        _setup.PostConfigure(null, options);

        Assert.Equal("ghcr.io", options.Upstreams[0].Name);
        Assert.Equal("ghcr.io", options.DefaultUpstream);
    }
}
