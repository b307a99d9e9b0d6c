using Mirror.Configuration;
using Mirror.Server.Hosting;

namespace Mirror.FunctionalTests.Hosting;

public sealed class StartupFactsTests
{
    [Fact]
    public void From_Defaults_DescribeTheEmbeddedConfiguration()
    {
        var options = new MirrorOptions();
        new MirrorOptionsSetup().PostConfigure(null, options);

        var facts = StartupFacts.From(options, ["http://127.0.0.1:5000"]);

        Assert.Equal("http://127.0.0.1:5000", facts.Urls);
        Assert.Equal(Path.GetFullPath("./data"), facts.CacheDirectory);
        Assert.Equal("unbounded", facts.MaxDiskSize);
        Assert.Equal("64 MiB", facts.MaxMemorySize);
        Assert.Equal("docker.io = https://registry-1.docker.io (anonymous, pull only)", facts.Upstreams);
        Assert.Equal("docker.io", facts.DefaultUpstream);
        Assert.Equal("in-process (Redis off)", facts.MemoryTier);
        Assert.Equal("loopback only", facts.Admin);
        Assert.Equal("/metrics on the main port", facts.Metrics);
        Assert.Contains("(commit ", facts.Version);
    }

    [Fact]
    public void From_EveryAuthModeAndCap_DescribedWithoutSecrets()
    {
        var options = new MirrorOptions
        {
            Cache = new CacheOptions { MaxDiskSize = "1.5GiB", MaxMemorySize = 1_000_000, Redis = "redis-a:6379,redis-b:6379,password=redis-secret,ssl=true" },
            Admin = new AdminOptions { Token = "admin-secret-token-123456" },
            Metrics = new MetricsOptions { Port = 9090 },
            Upstreams =
            [
                new UpstreamOptions { Name = "a.example", Url = "https://user:url-secret@a.example/", Username = "user", Password = "basic-secret" },
                new UpstreamOptions { Name = "b.example", ForwardClientAuthorization = true, AllowPush = true },
                new UpstreamOptions { Name = "c.example", ForwardClientAuthorization = true, Username = "u", PasswordFile = "/run/secrets/c" },
            ],
        };

        var facts = StartupFacts.From(options, ["http://[::]:5000", "http://0.0.0.0:5000"]);

        Assert.Equal("http://[::]:5000, http://0.0.0.0:5000", facts.Urls);
        Assert.Equal("1536 MiB", facts.MaxDiskSize);
        Assert.Equal("1 MB", facts.MaxMemorySize);
        Assert.Equal(
            "a.example = https://a.example (basic, pull only); b.example = https://b.example (forward-client, push allowed); " +
            "c.example = https://c.example (forward-client, else basic, pull only)",
            facts.Upstreams);
        Assert.Equal("in-process + Redis redis-a:6379, redis-b:6379", facts.MemoryTier);
        Assert.Equal("token required", facts.Admin);
        Assert.Equal("/metrics on port 9090", facts.Metrics);
        var all = string.Join("\n", typeof(StartupFacts).GetProperties().Select(p => p.GetValue(facts)));
        Assert.DoesNotContain("secret", all);
    }

    [Fact]
    public void From_MetricsDisabled_Off()
    {
        var facts = StartupFacts.From(new MirrorOptions { Metrics = new MetricsOptions { Enabled = false } }, []);

        Assert.Equal("off", facts.Metrics);
    }
}
