using Microsoft.Extensions.Configuration;
using Mirror.Server.Hosting;

namespace Mirror.FunctionalTests.Hosting;

/// <summary>The slim host reads HTTPS configuration whenever anything may ask for TLS, and only then.</summary>
public sealed class UsesHttpsTests
{
    [Theory]
    [InlineData("Kestrel:Endpoints:Https:Url", "https://0.0.0.0:5443", true)]
    [InlineData("Kestrel:Certificates:Default:Path", "/etc/mirror/tls.crt", true)]
    [InlineData("urls", "http://0.0.0.0:5000;HTTPS://0.0.0.0:5443", true)]
    [InlineData("https_ports", "5443", true)]
    [InlineData("urls", "http://0.0.0.0:5000", false)]
    [InlineData("Mirror:Cache:Directory", "/var/cache/mirror", false)]
    public void UsesHttps_AnyTlsSetting(string key, string value, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

        Assert.Equal(expected, MirrorHost.UsesHttps(configuration));
    }
}
