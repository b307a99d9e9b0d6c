
namespace Mirror.Tests.Configuration;

public sealed class MirrorOptionsValidatorTests
{
    private static readonly MirrorOptionsValidator Validator = new();

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        var options = new MirrorOptions();
        new MirrorOptionsSetup().PostConfigure(null, options);

        var result = Validator.Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_CacheDirectoryIsAFile_Fails()
    {
        using var temp = new TempDirectory();
        var file = Path.Combine(temp.Path, "cache");
        File.WriteAllText(file, "not a directory");
        var options = new MirrorOptions { Cache = new CacheOptions { Directory = file } };
        new MirrorOptionsSetup().PostConfigure(null, options);

        var result = Validator.Validate(null, options);

        Assert.Equal([$"Mirror:Cache:Directory '{file}' is a file, not a directory."], result.Failures);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryOne()
    {
        var options = new MirrorOptions
        {
            DefaultUpstream = "quay.io",
            Upstreams =
            [
                new UpstreamOptions { Name = "docker.io/library" },
                new UpstreamOptions { Name = "", Url = "ftp://mirror.example" },
                new UpstreamOptions { Name = "ghcr.io", TagTtl = TimeSpan.FromSeconds(-1) },
            ],
        };

        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        AssertEachReportedOnce(
            failures,
            "Mirror:Upstreams:0:Name 'docker.io/library'",
            "Mirror:Upstreams:1:Name is required",
            "Mirror:Upstreams:1:Url 'ftp://mirror.example'",
            "Mirror:Upstreams:2:TagTtl",
            "Mirror:DefaultUpstream 'quay.io'");
        Assert.All(failures, f => Assert.Contains(f, result.FailureMessage, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadCache_ReportsEveryField()
    {
        var options = Valid();
        options.Cache = new CacheOptions
        {
            Directory = " ",
            FillTimeout = TimeSpan.Zero,
            MaxMemorySize = -1,
            MemoryObjectMaxSize = -1,
            MaxManifestSize = 0,
        };

        var failures = Failures(options);

        AssertEachReportedOnce(
            failures,
            "Mirror:Cache:Directory",
            "Mirror:Cache:FillTimeout",
            "Mirror:Cache:MaxMemorySize",
            "Mirror:Cache:MemoryObjectMaxSize",
            "Mirror:Cache:MaxManifestSize");
    }

    [Fact]
    public void Validate_DuplicateName_Reported()
    {
        var options = Valid();
        options.Upstreams.Add(new UpstreamOptions { Name = "DOCKER.IO" });

        var failure = Assert.Single(Failures(options));

        Assert.Contains("configured twice", failure, StringComparison.Ordinal);
        Assert.StartsWith("Mirror:Upstreams:1:", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:5000")]
    [InlineData("registry.k8s.io")]
    [InlineData("10.0.0.1:5000")]
    public void Validate_HostNames_Accepted(string name)
    {
        var options = new MirrorOptions { DefaultUpstream = name, Upstreams = [new UpstreamOptions { Name = name }] };

        Assert.Empty(Failures(options));
    }

    [Theory]
    [InlineData("not a host")]
    [InlineData("docker.io/x")]
    [InlineData("https://docker.io")]
    public void Validate_BadName_Reported(string name)
    {
        var options = new MirrorOptions { DefaultUpstream = name, Upstreams = [new UpstreamOptions { Name = name }] };

        Assert.Contains(Failures(options), f => f.Contains("is not a registry host name", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ftp://x")]
    [InlineData("registry.example.com")]
    [InlineData("/relative")]
    public void Validate_BadUrl_Reported(string url)
    {
        var options = Valid();
        options.Upstreams[0].Url = url;

        var failure = Assert.Single(Failures(options));

        Assert.Equal($"Mirror:Upstreams:0:Url '{url}' must be an absolute http:// or https:// URL.", failure);
    }

    [Fact]
    public void Validate_Timeouts_EachReported()
    {
        var options = Valid();
        var u = options.Upstreams[0];
        u.ConnectTimeout = TimeSpan.Zero;
        u.ResponseHeadersTimeout = TimeSpan.FromSeconds(-1);
        u.BodyIdleTimeout = TimeSpan.Zero;
        u.MaxStale = TimeSpan.FromSeconds(-1);

        var failures = Failures(options);

        AssertEachReportedOnce(
            failures,
            "Mirror:Upstreams:0:ConnectTimeout",
            "Mirror:Upstreams:0:ResponseHeadersTimeout",
            "Mirror:Upstreams:0:BodyIdleTimeout",
            "Mirror:Upstreams:0:MaxStale");
    }

    [Fact]
    public void Validate_CredentialProblems_AllReported()
    {
        var options = Valid();
        var u = options.Upstreams[0];
        u.Password = "secret";
        u.PasswordFile = Path.Combine(Path.GetTempPath(), "mirror-tests-missing-" + Guid.NewGuid().ToString("N"));
        u.TokenRealmAllowList = ["ok.example.com", "not a host"];

        var failures = Failures(options);

        Assert.Contains(failures, f => f.Contains("set Password or PasswordFile, not both", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PasswordFile", StringComparison.Ordinal) && f.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Username is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'not a host' is not a host name", StringComparison.Ordinal));
        Assert.Equal(4, failures.Count);
    }

    [Fact]
    public void Validate_PasswordWithUsername_Succeeds()
    {
        var options = Valid();
        options.Upstreams[0].Username = "me";
        options.Upstreams[0].Password = "secret";

        Assert.Empty(Failures(options));
    }

    [Fact]
    public void Validate_DefaultUpstreamCaseDiffers_Succeeds()
    {
        var options = new MirrorOptions { DefaultUpstream = "GHCR.io", Upstreams = [new UpstreamOptions { Name = "ghcr.io" }] };

        Assert.Empty(Failures(options));
    }

    private static MirrorOptions Valid() => new() { Upstreams = [new UpstreamOptions { Name = "docker.io" }] };

    /// <summary>Exactly one failure per prefix: each prefix is reported, and nothing else is.</summary>
    private static void AssertEachReportedOnce(List<string> failures, params string[] prefixes)
    {
        foreach (var prefix in prefixes)
        {
            Assert.Contains(failures, f => f.StartsWith(prefix, StringComparison.Ordinal));
        }

        Assert.Equal(prefixes.Length, failures.Count);
    }

    private List<string> Failures(MirrorOptions options)
    {
        var result = Validator.Validate(null, options);
        return result.Failed ? [.. result.Failures!] : [];
    }

    [Fact]
    public void Validate_AllowPushWithSharedCredentials_RefusedUnlessClientCredentialsForwarded()
    {
        var options = new MirrorOptions { Upstreams = [new UpstreamOptions { Name = "registry.corp.example", Username = "mirror", Password = "x", AllowPush = true }] };
        options.DefaultUpstream = "registry.corp.example";

        var refused = Validator.Validate(null, options);
        options.Upstreams[0].ForwardClientAuthorization = true;
        var forwarded = Validator.Validate(null, options);

        Assert.Contains(refused.Failures!, f => f.Contains("AllowPush with the mirror's own credentials", StringComparison.Ordinal));
        Assert.True(forwarded.Succeeded, forwarded.FailureMessage);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("lots")]
    public void Validate_BadMaxBlobSize_Listed(string value)
    {
        var options = new MirrorOptions();
        new MirrorOptionsSetup().PostConfigure(null, options);
        options.Cache.MaxBlobSize = value;
        options.Cache.MaxAbandonedFillsPerClient = 0;
        options.Upstreams[0].RequestTimeout = TimeSpan.Zero;

        var failures = Validator.Validate(null, options).Failures!;

        Assert.Contains(failures, f => f.StartsWith("Mirror:Cache:MaxBlobSize", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mirror:Cache:MaxAbandonedFillsPerClient", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("RequestTimeout must be positive", StringComparison.Ordinal));
    }
}
