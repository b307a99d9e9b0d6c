using System.Security.Cryptography;

namespace Mirror.Tests.Storage;

/// <summary>
/// What every <see cref="IBlobIndex"/> must do (after distribution's storage driver test suite): subclasses only
/// say how to open one.
/// </summary>
public abstract class BlobIndexConformanceTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly List<IBlobIndex> _opened = [];

    private protected TempDirectory Dir { get; } = new();

    /// <summary>Whether the index survives <see cref="Reopen"/>.</summary>
    protected virtual bool SupportsPersistence => false;

    private protected abstract IBlobIndex Open();

    private protected IBlobIndex Create()
    {
        var index = Open();
        _opened.Add(index);
        return index;
    }

    /// <summary>Checkpoints, disposes and opens again.</summary>
    private protected async Task<IBlobIndex> Reopen(IBlobIndex index)
    {
        await index.CheckpointAsync(CancellationToken.None);
        index.Dispose();
        _opened.Remove(index);
        return Create();
    }

    public void Dispose()
    {
        foreach (var index in _opened)
        {
            index.Dispose();
        }

        Dir.Dispose();
    }

    [Fact]
    public void TryGet_Empty_False()
    {
        var index = Create();

        Assert.False(index.TryGet(BlobIndexKey.Blob(RandomDigest()), out _));
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.TotalBytes);
        Assert.Empty(index.Snapshot());
    }

    [Fact]
    public void Upsert_ThenTryGet_SameEntry()
    {
        var index = Create();
        var key = BlobIndexKey.Blob(RandomDigest());
        var entry = new BlobIndexEntry(1234, T0, T0.AddMinutes(1), 3);

        index.Upsert(key, entry);

        Assert.True(index.TryGet(key, out var read));
        Assert.Equal(entry, read);
        Assert.Equal(1, index.Count);
        Assert.Equal(1234, index.TotalBytes);
    }

    [Fact]
    public void Upsert_Sha512Digest_RoundTripsExactly()
    {
        var index = Create();
        var digest = Digest.FromHash("sha512", SHA512.HashData(RandomNumberGenerator.GetBytes(16)));

        index.Upsert(BlobIndexKey.Blob(digest), new BlobIndexEntry(10, T0, T0, 0));

        Assert.Equal(digest, Assert.Single(index.Snapshot()).Key.Digest);
    }

    [Fact]
    public void Upsert_SameDigestBlobAndManifest_TwoEntries()
    {
        var index = Create();
        var digest = RandomDigest();

        index.Upsert(BlobIndexKey.Blob(digest), new BlobIndexEntry(100, T0, T0, 0));
        index.Upsert(BlobIndexKey.Manifest(digest), new BlobIndexEntry(7, T0, T0, 0));

        Assert.Equal(2, index.Count);
        Assert.Equal(107, index.TotalBytes);
        Assert.True(index.TryGet(BlobIndexKey.Manifest(digest), out var manifest));
        Assert.Equal(7, manifest.Size);
    }

    [Fact]
    public void Upsert_Existing_ReplacesAndAdjustsBytes()
    {
        var index = Create();
        var key = BlobIndexKey.Blob(RandomDigest());
        index.Upsert(key, new BlobIndexEntry(100, T0, T0, 5));

        index.Upsert(key, new BlobIndexEntry(40, T0.AddHours(1), T0.AddHours(1), 0));

        Assert.Equal(1, index.Count);
        Assert.Equal(40, index.TotalBytes);
        Assert.True(index.TryGet(key, out var entry));
        Assert.Equal(0, entry.HitCount);
    }

    [Fact]
    public void Touch_Present_RefreshesRecencyAndCountsHit()
    {
        var index = Create();
        var key = BlobIndexKey.Blob(RandomDigest());
        index.Upsert(key, new BlobIndexEntry(10, T0, T0, 0));

        Assert.True(index.Touch(key, T0.AddMinutes(5)));
        Assert.True(index.Touch(key, T0.AddMinutes(2))); // an older clock reading never moves recency back

        Assert.True(index.TryGet(key, out var entry));
        Assert.Equal(T0.AddMinutes(5), entry.LastAccess);
        Assert.Equal(T0, entry.StoredAt);
        Assert.Equal(2, entry.HitCount);
        Assert.Equal(10, index.TotalBytes);
    }

    [Fact]
    public void Touch_Absent_FalseAndNothingCreated()
    {
        var index = Create();

        Assert.False(index.Touch(BlobIndexKey.Blob(RandomDigest()), T0));

        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Remove_Present_GoneAndBytesDown()
    {
        var index = Create();
        var keep = BlobIndexKey.Blob(RandomDigest());
        var drop = BlobIndexKey.Blob(RandomDigest());
        index.Upsert(keep, new BlobIndexEntry(10, T0, T0, 0));
        index.Upsert(drop, new BlobIndexEntry(32, T0, T0, 0));

        Assert.True(index.Remove(drop));
        Assert.False(index.Remove(drop));

        Assert.False(index.TryGet(drop, out _));
        Assert.False(index.Touch(drop, T0));
        Assert.Equal(1, index.Count);
        Assert.Equal(10, index.TotalBytes);
        Assert.Equal(keep, Assert.Single(index.Snapshot()).Key);
    }

    [Fact]
    public void Remove_ThenUpsertAgain_Present()
    {
        var index = Create();
        var key = BlobIndexKey.Blob(RandomDigest());
        index.Upsert(key, new BlobIndexEntry(10, T0, T0, 0));
        index.Remove(key);

        index.Upsert(key, new BlobIndexEntry(11, T0, T0, 0));

        Assert.True(index.TryGet(key, out var entry));
        Assert.Equal(11, entry.Size);
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void Snapshot_Many_EveryEntryOnce()
    {
        var index = Create();
        var keys = Enumerable.Range(0, 500).Select(_ => BlobIndexKey.Blob(RandomDigest())).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            index.Upsert(keys[i], new BlobIndexEntry(i, T0, T0.AddSeconds(i), 0));
        }

        foreach (var key in keys.Take(100))
        {
            index.Touch(key, T0.AddDays(1));
        }

        var snapshot = index.Snapshot();

        Assert.Equal(500, snapshot.Count);
        Assert.Equal(keys.ToHashSet(), snapshot.Select(e => e.Key).ToHashSet());
        Assert.Equal(Enumerable.Range(0, 500).Sum(i => (long)i), index.TotalBytes);
        Assert.Equal(100, snapshot.Count(e => e.Value.HitCount == 1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(16)]
    public async Task Touch_Parallel_EveryHitCounted(int threads)
    {
        var index = Create();
        var keys = Enumerable.Range(0, 8).Select(_ => BlobIndexKey.Blob(RandomDigest())).ToList();
        foreach (var key in keys)
        {
            index.Upsert(key, new BlobIndexEntry(1, T0, T0, 0));
        }

        const int PerThread = 2000;
        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                Assert.True(index.Touch(keys[i % keys.Count], T0.AddTicks(t * PerThread + i)));
            }
        })));

        Assert.Equal((long)threads * PerThread, index.Snapshot().Sum(e => e.Value.HitCount));
        Assert.Equal(8, index.Count);
    }

    [Fact]
    public async Task UpsertAndRemove_Parallel_CountAndBytesConsistent()
    {
        var index = Create();
        var keys = Enumerable.Range(0, 400).Select(_ => BlobIndexKey.Blob(RandomDigest())).ToList();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = t; i < keys.Count; i += 4)
            {
                index.Upsert(keys[i], new BlobIndexEntry(10, T0, T0, 0));
                index.Touch(keys[i], T0.AddSeconds(1));
                if (i % 2 == 0)
                {
                    index.Remove(keys[i]);
                }
            }
        })));

        Assert.Equal(200, index.Count);
        Assert.Equal(2000, index.TotalBytes);
        Assert.Equal(200, index.Snapshot().Count);
    }

    [Fact]
    public async Task Reopen_AfterCheckpoint_EntriesHitsAndTotalsKept()
    {
        var index = Create();
        var kept = BlobIndexKey.Blob(RandomDigest());
        var removed = BlobIndexKey.Manifest(RandomDigest());
        index.Upsert(kept, new BlobIndexEntry(100, T0, T0, 0));
        index.Upsert(removed, new BlobIndexEntry(50, T0, T0, 0));
        index.Touch(kept, T0.AddHours(1));
        index.Remove(removed);

        var reopened = await Reopen(index);
        if (!SupportsPersistence)
        {
            // A volatile index starts empty; reconciliation with the files refills it.
            Assert.False(reopened.Recovered);
            Assert.Equal(0, reopened.Count);
            return;
        }

        Assert.True(reopened.Recovered);
        Assert.Equal(1, reopened.Count);
        Assert.Equal(100, reopened.TotalBytes);
        Assert.True(reopened.TryGet(kept, out var entry));
        Assert.Equal(new BlobIndexEntry(100, T0, T0.AddHours(1), 1), entry);
        Assert.False(reopened.TryGet(removed, out _));
    }

    [Fact]
    public async Task Reopen_ChangesAfterRecovery_PersistAgain()
    {
        if (!SupportsPersistence)
        {
            return;
        }

        var index = Create();
        var first = BlobIndexKey.Blob(RandomDigest());
        index.Upsert(first, new BlobIndexEntry(1, T0, T0, 0));
        index = await Reopen(index);
        var second = BlobIndexKey.Blob(RandomDigest());
        index.Upsert(second, new BlobIndexEntry(2, T0, T0, 0));
        index.Touch(first, T0.AddMinutes(1));

        index = await Reopen(index);

        Assert.Equal(2, index.Count);
        Assert.Equal(3, index.TotalBytes);
        Assert.True(index.TryGet(first, out var entry));
        Assert.Equal(1, entry.HitCount);
    }

    private protected static Digest RandomDigest() => Digest.Compute(RandomNumberGenerator.GetBytes(32));
}
