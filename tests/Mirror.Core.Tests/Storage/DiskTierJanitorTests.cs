using Microsoft.Extensions.Logging.Abstractions;

namespace Mirror.Tests.Storage;

public sealed class DiskTierJanitorTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task StopAsync_HostDeadlineAlreadyPassed_StillCheckpointsWithoutThrowing()
    {
        // What the host hands its services when draining requests used up the shutdown timeout.
        var indexDirectory = Path.Combine(_dir.Path, "index");
        var key = BlobIndexKey.Blob(Digest.Compute(new byte[] { 1, 2, 3 }));
        var index = FasterBlobIndex.Open(indexDirectory, NullLogger.Instance);
        var health = new CacheHealth(TimeProvider.System, NullLogger<CacheHealth>.Instance);
        var tier = new DiskTier(_dir.Path, index, DiskTierLimits.Unbounded, health, TimeProvider.System, NullLogger<DiskTier>.Instance);
        using var janitor = new DiskTierJanitor(tier, TimeSpan.FromMinutes(1), TimeProvider.System, NullLogger<DiskTierJanitor>.Instance);
        index.Upsert(key, new BlobIndexEntry(3, T0, T0, 0));

        await janitor.StopAsync(new CancellationToken(canceled: true));
        index.Dispose();

        using var reopened = FasterBlobIndex.Open(indexDirectory, NullLogger.Instance);
        Assert.True(reopened.Recovered);
        Assert.True(reopened.TryGet(key, out var entry));
        Assert.Equal(3, entry.Size);
    }
}
