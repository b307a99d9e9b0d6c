
namespace Mirror.Tests.Configuration;

public sealed class CacheOptionsValidationTests
{
    private readonly MirrorOptionsValidator _validator = new();

    [Fact]
    public void Validate_DiskBoundAndWatermarks_Succeed()
    {
        var options = Options();
        options.Cache.MaxDiskSize = "1.5GiB";

        Assert.True(_validator.Validate(null, options).Succeeded);
        Assert.Equal(1_610_612_736L, options.Cache.MaxDiskBytes);
    }

    [Fact]
    public void Validate_UnsetMaxDiskSize_Unbounded()
    {
        var options = Options();

        Assert.True(_validator.Validate(null, options).Succeeded);
        Assert.Equal(0, options.Cache.MaxDiskBytes);
    }

    [Fact]
    public void Validate_BadSizeWatermarksIntervalAndToken_ReportsEveryOne()
    {
        var options = Options();
        options.Cache.MaxDiskSize = "lots";
        options.Cache.HighWatermark = 0.5;
        options.Cache.LowWatermark = 0.7;
        options.Cache.IndexCheckpointInterval = TimeSpan.Zero;
        options.Admin.Token = "short";

        var failures = _validator.Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("Mirror:Cache:MaxDiskSize: 'lots' is not a size", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mirror:Cache:LowWatermark and HighWatermark", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mirror:Cache:IndexCheckpointInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mirror:Admin:Token", StringComparison.Ordinal));
    }

    private static MirrorOptions Options()
    {
        var options = new MirrorOptions();
        new MirrorOptionsSetup().PostConfigure(null, options);
        return options;
    }
}
