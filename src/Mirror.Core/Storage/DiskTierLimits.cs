using Mirror.Configuration;

namespace Mirror.Storage;

/// <summary>The disk tier's size bound: <see cref="MaxBytes"/> 0 = unbounded; watermarks are fractions of it.</summary>
public sealed record DiskTierLimits(long MaxBytes, double HighWatermark = 0.9, double LowWatermark = 0.8)
{
    public static DiskTierLimits Unbounded { get; } = new(0);

    public long HighBytes => (long)(MaxBytes * HighWatermark);

    public long LowBytes => (long)(MaxBytes * LowWatermark);

    public static DiskTierLimits From(CacheOptions options) => new(options.MaxDiskBytes, options.HighWatermark, options.LowWatermark);
}
