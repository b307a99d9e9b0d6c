using Mirror.Server.Registry;

namespace Mirror.FunctionalTests.Registry;

/// <summary>
/// <see cref="PassThrough.Transformer.RewriteLocation"/>: an upload session's <c>Location</c> points back at the
/// mirror, under the name the client used.
/// </summary>
public sealed class PassThroughLocationTests
{
    private static readonly Uri UpstreamUrl = new("http://upstream.example:5000/");

    [Theory]
    [InlineData("http://upstream.example:5000/v2/library/app/blobs/uploads/session-1?_state=abc", "library/app", "app", "/v2/app/blobs/uploads/session-1?_state=abc")]
    [InlineData("http://UPSTREAM.example:5000/v2/library/app/blobs/uploads/s", "library/app", "library/app", "/v2/library/app/blobs/uploads/s")]
    [InlineData("/v2/org/app/blobs/uploads/s?x=1", "org/app", "ghcr.io/org/app", "/v2/ghcr.io/org/app/blobs/uploads/s?x=1")]
    [InlineData("/v2/library/app/blobs/sha256:abc", "library/app", "app", "/v2/app/blobs/sha256:abc")]
    public void RewriteLocation_UnderUpstreamName_BackToClientName(string location, string upstreamName, string clientName, string expected)
    {
        Assert.Equal(expected, PassThrough.Transformer.RewriteLocation(location, UpstreamUrl, upstreamName, clientName));
    }

    [Theory]
    [InlineData("https://storage.example/upload?sig=x")] // object storage: the client follows it as is
    [InlineData("http://upstream.example:5001/v2/library/app/blobs/uploads/s")] // same host, another port
    [InlineData("/v2/library/application/blobs/uploads/s")] // another name that merely starts alike
    [InlineData("/v2/other/blobs/uploads/s")]
    [InlineData("http://[bad")] // not a URI at all
    public void RewriteLocation_ElsewhereOrNotUnderTheName_Unchanged(string location)
    {
        Assert.Equal(location, PassThrough.Transformer.RewriteLocation(location, UpstreamUrl, "library/app", "app"));
    }

    [Fact]
    public void RewriteLocation_AbsoluteOnTheUpstream_MadeRelative()
    {
        var rewritten = PassThrough.Transformer.RewriteLocation("http://upstream.example:5000/v2/_catalog?n=1", UpstreamUrl, upstreamName: null, "app");

        Assert.Equal("/v2/_catalog?n=1", rewritten);
    }

    [Fact]
    public void RewriteLocation_NoUpstreamName_RelativeUnchanged()
    {
        Assert.Equal("/v2/library/app/blobs/uploads/s", PassThrough.Transformer.RewriteLocation("/v2/library/app/blobs/uploads/s", UpstreamUrl, upstreamName: null, "app"));
    }
}
