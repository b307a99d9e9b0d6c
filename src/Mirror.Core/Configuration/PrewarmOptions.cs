namespace Mirror.Configuration;

/// <summary>The <c>Mirror:Prewarm:</c> section: images kept warm on a schedule.</summary>
public sealed class PrewarmOptions
{
    /// <summary>Images to pull into the cache at start and every <see cref="Interval"/> (<c>nginx:1.25</c>, <c>ghcr.io/org/app:v2</c>). Default none.</summary>
    public List<string> Images { get; set; } = [];

    /// <summary>Platforms to take from multi-platform images (<c>linux/amd64</c>); empty = all. Default all.</summary>
    public List<string> Platforms { get; set; } = [];

    /// <summary>How often the configured images are pulled again (tags move). Default 1 hour.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}
