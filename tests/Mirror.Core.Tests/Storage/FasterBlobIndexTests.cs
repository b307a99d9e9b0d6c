using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mirror.Tests.Storage;

public sealed class FasterBlobIndexTests : BlobIndexConformanceTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    protected override bool SupportsPersistence => true;

    private string IndexDirectory => Path.Combine(Dir.Path, "index");

    private protected override IBlobIndex Open() => FasterBlobIndex.Open(IndexDirectory, NullLogger.Instance);

    [Fact]
    public async Task Open_CorruptCheckpoint_StartsEmptyWithoutThrowing()
    {
        var index = Create();
        index.Upsert(BlobIndexKey.Blob(RandomDigest()), new BlobIndexEntry(10, T0, T0, 0));
        await index.CheckpointAsync(CancellationToken.None);
        index.Dispose();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(IndexDirectory, "checkpoints"), "*", SearchOption.AllDirectories))
        {
            await File.WriteAllBytesAsync(file, new byte[] { 1, 2, 3 });
        }

        using var reopened = FasterBlobIndex.Open(IndexDirectory, NullLogger.Instance);

        Assert.False(reopened.Recovered);
        Assert.Equal(0, reopened.Count);
        reopened.Upsert(BlobIndexKey.Blob(RandomDigest()), new BlobIndexEntry(1, T0, T0, 0));
        Assert.Equal(1, reopened.Count);
    }

    [Fact]
    public async Task Checkpoint_NothingChanged_Skipped()
    {
        var index = Create();
        index.Upsert(BlobIndexKey.Blob(RandomDigest()), new BlobIndexEntry(10, T0, T0, 0));

        Assert.True(await index.CheckpointAsync(CancellationToken.None));
        Assert.False(await index.CheckpointAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Reopen_ManyEntriesAndChurn_AllLiveEntriesBack()
    {
        var index = Create();
        var keys = Enumerable.Range(0, 5000).Select(_ => BlobIndexKey.Blob(RandomDigest())).ToList();
        foreach (var key in keys)
        {
            index.Upsert(key, new BlobIndexEntry(100, T0, T0, 0));
        }

        await index.CheckpointAsync(CancellationToken.None);
        foreach (var key in keys.Take(1000))
        {
            index.Remove(key);
        }

        index = await Reopen(index);

        Assert.Equal(4000, index.Count);
        Assert.Equal(400_000, index.TotalBytes);
        Assert.False(index.TryGet(keys[0], out _));
        Assert.True(index.TryGet(keys[^1], out _));
    }

    /// <summary>
    /// The recount at open keeps sha256 keys in a narrower set than the others: both algorithms, both kinds of one
    /// digest, replaced and removed records must come back with the same count, bytes and exact keys.
    /// </summary>
    [Fact]
    public async Task Reopen_BothAlgorithmsBothKindsAndChurn_CountBytesAndKeysAsBefore()
    {
        var index = Create();
        var sha256 = Enumerable.Range(0, 300).Select(_ => RandomDigest()).ToList();
        var sha512 = Enumerable.Range(0, 300).Select(_ => Digest.FromHash("sha512", SHA512.HashData(RandomNumberGenerator.GetBytes(16)))).ToList();
        var keys = sha256.Concat(sha512).SelectMany(d => new[] { BlobIndexKey.Blob(d), BlobIndexKey.Manifest(d) }).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            index.Upsert(keys[i], new BlobIndexEntry(i + 1, T0, T0, 0));
        }

        await index.CheckpointAsync(CancellationToken.None);
        for (var i = 0; i < keys.Count; i += 3)
        {
            index.Remove(keys[i]);
        }

        for (var i = 1; i < keys.Count; i += 3)
        {
            index.Upsert(keys[i], new BlobIndexEntry(10_000 + i, T0, T0, 0));
        }

        var before = index.Snapshot().ToDictionary(e => e.Key, e => e.Value);
        var (count, bytes) = (index.Count, index.TotalBytes);

        index = await Reopen(index);

        Assert.Equal(count, index.Count);
        Assert.Equal(bytes, index.TotalBytes);
        Assert.Equal(before, index.Snapshot().ToDictionary(e => e.Key, e => e.Value));
        Assert.Equal(before.Count, index.Count);
    }
}
