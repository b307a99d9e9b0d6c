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
    public ByteSize MaxMemorySize { get; set; } = ByteSize.FromMebibytes(64);

    /// <summary>Objects up to this size are kept in the memory tier. Default 1 MiB.</summary>
    public ByteSize MemoryObjectMaxSize { get; set; } = ByteSize.FromMebibytes(1);

    /// <summary>The largest manifest accepted from an upstream (the spec suggests registries accept at least 4 MiB). Default 4 MiB.</summary>
    public ByteSize MaxManifestSize { get; set; } = ByteSize.FromMebibytes(4);

    /// <summary>
    /// Bytes the disk tier (blobs and manifests) may hold, e.g. <c>50GB</c> (decimal), <c>1.5GiB</c> (binary) or a
    /// number of bytes; see <see cref="ByteSize"/>. Unset or 0: unbounded. Default unbounded.
    /// </summary>
    public string? MaxDiskSize { get; set; }

    /// <summary>
    /// The largest blob the mirror fetches: a claimed Content-Length above it is refused before any byte is
    /// written, and a body without one is cut off there. Same units as <see cref="MaxDiskSize"/>. Default 64GiB.
    /// </summary>
    public string MaxBlobSize { get; set; } = "64GiB";

    /// <summary>
    /// Running blob fills one client (a user, else an address) started and then walked away from (a fill goes on
    /// without readers, so the next pull is a hit). Beyond it the client gets 429 for new fills until those end;
    /// fills with readers never count. Default 8.
    /// </summary>
    public int MaxAbandonedFillsPerClient { get; set; } = 8;

    /// <summary>Fraction of <see cref="MaxDiskSize"/> above which eviction starts. Default 0.9.</summary>
    public double HighWatermark { get; set; } = 0.9;

    /// <summary>Fraction of <see cref="MaxDiskSize"/> eviction brings the disk tier back under. Default 0.8.</summary>
    public double LowWatermark { get; set; } = 0.8;

    /// <summary>
    /// A Redis server (StackExchange.Redis configuration string, e.g. <c>redis:6379</c>) shared by several mirrors
    /// as the second level of the memory tier: manifests and tag answers one mirror fetched are hits for the others.
    /// Unset (the default): memory only.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>How often the blob index is checkpointed to disk (it is also checkpointed at shutdown). Default 60 s.</summary>
    public TimeSpan IndexCheckpointInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><see cref="MaxBlobSize"/> in bytes; only meaningful once the options validated.</summary>
    public long MaxBlobBytes => ByteSize.TryParse(MaxBlobSize, out var bytes, out _) && bytes > 0 ? bytes : long.MaxValue;

    /// <summary><see cref="MaxDiskSize"/> in bytes (0 = unbounded); only meaningful once the options validated.</summary>
    public long MaxDiskBytes => ByteSize.TryParse(MaxDiskSize, out var bytes, out _) ? bytes : 0;
}
