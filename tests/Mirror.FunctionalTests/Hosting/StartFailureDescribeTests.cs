using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Server.Hosting;

namespace Mirror.FunctionalTests.Hosting;

/// <summary>The explanations for failures a test cannot provoke as root (permission denied) or cheaply.</summary>
public sealed class StartFailureDescribeTests
{
    [Fact]
    public void Describe_KestrelAddressInUse_NamesTheAddress()
    {
        var kestrel = new IOException(
            "Failed to bind to address http://127.0.0.1:5000: address already in use.",
            new AddressInUseException("Address already in use"));

        var lines = StartFailure.Describe(kestrel, StartStage.Starting, "./data", "http://0.0.0.0:5000");

        Assert.Equal(["Mirror cannot start: http://127.0.0.1:5000 is already in use (another process listens there; choose another address with --urls)."], lines);
    }

    [Fact]
    public void Describe_PermissionDenied_NamesTheConfiguredAddresses()
    {
        var lines = StartFailure.Describe(new SocketException((int)SocketError.AccessDenied), StartStage.Starting, "./data", "http://0.0.0.0:80");

        Assert.Equal(["Mirror cannot start: permission denied to listen on http://0.0.0.0:80 (ports below 1024 need root or CAP_NET_BIND_SERVICE)."], lines);
    }

    [Fact]
    public void Describe_OneValidationFailure_OneLine()
    {
        var invalid = new OptionsValidationException(string.Empty, typeof(MirrorOptions), ["Mirror:Admin:Token must be at least 16 characters when set."]);

        var lines = StartFailure.Describe(invalid, StartStage.Composing, "./data", null);

        Assert.Equal(["Mirror cannot start: Mirror:Admin:Token must be at least 16 characters when set."], lines);
    }

    [Fact]
    public void Describe_ValidationFailuresOfSeveralOptions_OneList()
    {
        var invalid = new AggregateException(
            new OptionsValidationException(string.Empty, typeof(MirrorOptions), ["first", "second"]),
            new OptionsValidationException(string.Empty, typeof(object), ["third"]));

        var lines = StartFailure.Describe(invalid, StartStage.Starting, "./data", null);

        Assert.Equal(["Mirror cannot start: the configuration has errors:", "  - first", "  - second", "  - third"], lines);
    }

    [Fact]
    public void Describe_IoErrorWhileComposing_NamesTheCacheDirectory()
    {
        var lines = StartFailure.Describe(new UnauthorizedAccessException("Access to the path '/srv/cache/blobs' is denied."), StartStage.Composing, "/srv/cache", null);

        Assert.Equal(["Mirror cannot start: the cache directory /srv/cache cannot be used: Access to the path '/srv/cache/blobs' is denied."], lines);
    }

    [Theory]
    [InlineData(nameof(StartStage.Building))]
    [InlineData(nameof(StartStage.Composing))]
    [InlineData(nameof(StartStage.Starting))]
    public void Describe_Bug_NotExplainedSoTheStackTraceStays(string stage) =>
        Assert.Null(StartFailure.Describe(new InvalidOperationException("a bug"), Enum.Parse<StartStage>(stage), "./data", null));
}
