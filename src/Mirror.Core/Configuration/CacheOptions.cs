namespace Mirror.Configuration;

/// <summary>The <c>Mirror:Cache:</c> section.</summary>
public sealed class CacheOptions
{
    /// <summary>Root of the content-addressed store. Default <c>./data</c>.</summary>
    public string Directory { get; set; } = "./data";

    /// <summary>
    /// The longest one upstream fill may run, whether or not clients still wait for it. A fill keeps going after
    /// its clients leave so the next pull is a hit; this bounds what an abandoned fill can cost. Default 1 hour.
    /// </summary>
    public TimeSpan FillTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Bytes of small objects (manifests) kept in memory. Default 64 MiB.</summary>
    public long MaxMemorySize { get; set; } = 64L * 1024 * 1024;

    /// <summary>Objects up to this size are kept in the memory tier. Default 1 MiB.</summary>
    public long MemoryObjectMaxSize { get; set; } = 1024 * 1024;

    /// <summary>The largest manifest accepted from an upstream (the spec suggests registries accept at least 4 MiB). Default 4 MiB.</summary>
    public long MaxManifestSize { get; set; } = 4L * 1024 * 1024;
}
