using Microsoft.Extensions.Options;

namespace Mirror.FunctionalTests.Registry;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Start_SeveralBadSettings_FailsListingEveryError()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => MirrorServer.StartAsync(new Dictionary<string, string?>
        {
            ["Mirror:DefaultUpstream"] = "nowhere.example",
            ["Mirror:Upstreams:0:Name"] = "docker.io",
            ["Mirror:Upstreams:0:Url"] = "ftp://example",
            ["Mirror:Upstreams:0:MaxConcurrentFetches"] = "0",
            ["Mirror:Upstreams:1:Name"] = "docker.io",
            ["Mirror:Cache:MaxDiskSize"] = "lots",
        }));

        var message = string.Join("\n", error.Failures);
        Assert.Contains("DefaultUpstream", message);
        Assert.Contains("Url", message);
        Assert.Contains("MaxConcurrentFetches", message);
        Assert.Contains("configured twice", message);
        Assert.Contains("MaxDiskSize", message);
        Assert.True(error.Failures.Count() >= 5);
    }

    [Fact]
    public async Task Start_UnconvertibleValuesAndUnknownKeys_AllListedWithOtherErrors()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => MirrorServer.StartAsync(new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:Name"] = "docker.io",
            ["Mirror:Upstreams:0:TagTtl"] = "5 minutes",
            ["Mirror:Upstreams:0:AllowPush"] = "sometimes",
            ["Mirror:Cache:MaxMemorySize"] = "lots",
            ["Mirror:Cache:MaxDiskSise"] = "10GB",
        }));

        var message = string.Join("\n", error.Failures);
        Assert.Contains("Mirror:Upstreams:0:TagTtl = '5 minutes' is not a valid duration", message);
        Assert.Contains("Mirror:Upstreams:0:AllowPush = 'sometimes'", message);
        Assert.Contains("Mirror:Cache:MaxMemorySize = 'lots'", message);
        Assert.Contains("Mirror:Cache:MaxDiskSise is not a Mirror option", message);
    }

    [Fact]
    public async Task Start_UpstreamDefaults_AppliedUnlessOverridden()
    {
        await using var mirror = await MirrorServer.StartAsync(new Dictionary<string, string?>
        {
            ["Mirror:UpstreamDefaults:MaxAttempts"] = "2",
            ["Mirror:UpstreamDefaults:TagTtl"] = "00:01:00",
            ["Mirror:Upstreams:0:Name"] = "docker.io",
            ["Mirror:Upstreams:1:Name"] = "ghcr.io",
            ["Mirror:Upstreams:1:MaxAttempts"] = "7",
        });

        var options = ((IOptions<Mirror.Configuration.MirrorOptions>)mirror.Services.GetService(typeof(IOptions<Mirror.Configuration.MirrorOptions>))!).Value;
        Assert.Equal(2, options.Upstreams[0].MaxAttempts);
        Assert.Equal(7, options.Upstreams[1].MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Upstreams[1].TagTtl);
    }

    [Fact]
    public async Task Start_UnitsEverywhere_SizesAndDurationsInEitherForm()
    {
        await using var mirror = await MirrorServer.StartAsync(new Dictionary<string, string?>
        {
            ["Mirror:Cache:MaxMemorySize"] = "32MiB",
            ["Mirror:Cache:MaxManifestSize"] = "8MB",
            ["Mirror:Cache:MemoryObjectMaxSize"] = "65536",
            ["Mirror:Cache:FillTimeout"] = "30m",
            ["Mirror:Upstreams:0:Name"] = "docker.io",
            ["Mirror:Upstreams:0:TagTtl"] = "90s",
            ["Mirror:Upstreams:0:RetryDelay"] = "250ms",
            ["Mirror:Upstreams:0:MaxStale"] = "1.00:00:00",
        });

        var options = ((IOptions<Mirror.Configuration.MirrorOptions>)mirror.Services.GetService(typeof(IOptions<Mirror.Configuration.MirrorOptions>))!).Value;
        Assert.Equal(32L * 1024 * 1024, options.Cache.MaxMemorySize.Bytes);
        Assert.Equal(8_000_000, options.Cache.MaxManifestSize.Bytes);
        Assert.Equal(65536, options.Cache.MemoryObjectMaxSize.Bytes);
        Assert.Equal(TimeSpan.FromMinutes(30), options.Cache.FillTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Upstreams[0].TagTtl);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.Upstreams[0].RetryDelay);
        Assert.Equal(TimeSpan.FromDays(1), options.Upstreams[0].MaxStale);
    }
}
