using Microsoft.Extensions.Configuration;

namespace Mirror.Tests.Configuration;

public sealed class ConfigurationCheckTests
{
    [Fact]
    public void Check_ValidConfiguration_NoErrorsAndSectionUnchanged()
    {
        var section = Section(new()
        {
            ["Mirror:Cache:Directory"] = "/var/cache/mirror",
            ["Mirror:Cache:FillTimeout"] = "00:30:00",
            ["Mirror:Upstreams:0:Name"] = "docker.io",
            ["Mirror:Upstreams:0:AllowPush"] = "true",
            ["Mirror:Upstreams:0:TokenRealmAllowList:0"] = "auth.example.com",
            ["Mirror:Metrics:Port"] = "9100",
        });

        var errors = ConfigurationCheck.Check(section, typeof(MirrorOptions), out var usable);

        Assert.Empty(errors);
        Assert.Same(section, usable);
    }

    [Fact]
    public void Check_BadValuesAndUnknownKeys_AllReportedAndLeftOutOfUsable()
    {
        var section = Section(new()
        {
            ["Mirror:Cache:Directory"] = "/var/cache/mirror",
            ["Mirror:Cache:FillTimeout"] = "an hour",
            ["Mirror:Cache:MaxDiskSise"] = "10GB",
            ["Mirror:Upstreams:0:Name"] = "docker.io",
            ["Mirror:Upstreams:0:MaxAttempts"] = "many",
            ["Mirror:Upstreams:first:Name"] = "ghcr.io",
            ["Mirror:Metrics:Enabled"] = "yes please",
        });

        var errors = ConfigurationCheck.Check(section, typeof(MirrorOptions), out var usable);

        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, e => e.Contains("Mirror:Cache:FillTimeout = 'an hour'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Mirror:Cache:MaxDiskSise is not a Mirror option", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Mirror:Upstreams:0:MaxAttempts = 'many'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Mirror:Upstreams:first", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Mirror:Metrics:Enabled", StringComparison.Ordinal));
        var bound = new MirrorOptions();
        usable.Bind(bound);
        Assert.Equal("/var/cache/mirror", bound.Cache.Directory);
        Assert.Equal(new CacheOptions().FillTimeout, bound.Cache.FillTimeout);
        Assert.Equal("docker.io", Assert.Single(bound.Upstreams).Name);
    }

    [Fact]
    public void Check_KeysAreCaseInsensitiveLikeTheBinder()
    {
        var section = Section(new() { ["mirror:cache:directory"] = "/x", ["Mirror:UPSTREAMS:0:tagttl"] = "00:01:00" });

        Assert.Empty(ConfigurationCheck.Check(section, typeof(MirrorOptions)));
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Mirror");
}
