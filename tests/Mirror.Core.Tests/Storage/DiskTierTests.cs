using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mirror.Tests.Storage;

public sealed class DiskTierTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryBlobIndex _index = new();
    private DiskTier _tier;
    private FileBlobStore _blobs;
    private FileManifestStore _manifests;

    public DiskTierTests()
    {
        _tier = NewTier(DiskTierLimits.Unbounded);
        _blobs = new FileBlobStore(_dir.Path, _tier);
        _manifests = new FileManifestStore(_dir.Path, _tier);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Commit_AddsIndexEntryWithSize()
    {
        var (digest, content) = await PutBlobAsync(1000);

        Assert.True(_index.TryGet(BlobIndexKey.Blob(digest), out var entry));
        Assert.Equal(content.Length, entry.Size);
        Assert.Equal(_time.GetUtcNow(), entry.StoredAt);
        Assert.Equal(1000, _index.TotalBytes);
    }

    [Fact]
    public async Task TryOpenAndTryGetLength_Hit_TouchRefreshesRecency()
    {
        var (digest, _) = await PutBlobAsync(10);
        _time.Advance(TimeSpan.FromMinutes(3));

        _blobs.TryOpen(digest)!.Dispose();

        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.True(_blobs.TryGetLength(digest, out _));

        Assert.True(_index.TryGet(BlobIndexKey.Blob(digest), out var entry));
        Assert.Equal(2, entry.HitCount);
        Assert.Equal(_time.GetUtcNow(), entry.LastAccess);
    }

    [Fact]
    public async Task TryOpen_FileUnknownToIndex_Adopted()
    {
        var (digest, _) = await PutBlobAsync(10);
        _index.Remove(BlobIndexKey.Blob(digest));

        _blobs.TryOpen(digest)!.Dispose();

        Assert.True(_index.TryGet(BlobIndexKey.Blob(digest), out var entry));
        Assert.Equal(10, entry.Size);
    }

    [Fact]
    public async Task Evict_OverHighWatermark_LeastRecentlyUsedFirstUntilUnderLow()
    {
        UseLimits(new DiskTierLimits(1000, 0.9, 0.5));
        var a = await PutBlobAsync(200);
        _time.Advance(TimeSpan.FromMinutes(1));
        var b = await PutBlobAsync(200);
        _time.Advance(TimeSpan.FromMinutes(1));
        var c = await PutBlobAsync(200);
        _time.Advance(TimeSpan.FromMinutes(1));
        var d = await PutBlobAsync(200);
        _time.Advance(TimeSpan.FromMinutes(1));
        _blobs.TryOpen(a.Digest)!.Dispose(); // a is now the most recently used

        Assert.Equal((0, 0L), _tier.Evict()); // 800 ≤ 900: nothing to do
        _time.Advance(TimeSpan.FromMinutes(1));
        var e = await PutBlobAsync(200);      // 1000 > 900

        var (files, bytes) = _tier.Evict();   // down to ≤ 500: drop b, c, d (oldest access), keep a and e

        Assert.Equal((3, 600L), (files, bytes));
        Assert.Equal(400, _index.TotalBytes);
        Assert.NotNull(Open(a.Digest));
        Assert.NotNull(Open(e.Digest));
        Assert.Null(Open(b.Digest));
        Assert.Null(Open(c.Digest));
        Assert.Null(Open(d.Digest));
        Assert.False(File.Exists(_blobs.PathOf(b.Digest)));
    }

    [Fact]
    public async Task Commit_PushesOverHighWatermark_SignalsPressure()
    {
        UseLimits(new DiskTierLimits(1000, 0.9, 0.8));
        await PutBlobAsync(500);
        using var none = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.False(await _tier.WaitForPressureAsync(none.Token));

        await PutBlobAsync(500);

        using var some = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.True(await _tier.WaitForPressureAsync(some.Token));
    }

    [Fact]
    public async Task Evict_OpenReader_KeepsReadingToTheEnd()
    {
        UseLimits(new DiskTierLimits(1000, 0.5, 0.1));
        var (digest, content) = await PutBlobAsync(900);
        using var stored = _blobs.TryOpen(digest)!;
        var first = new byte[100];
        Assert.Equal(100, RandomAccess.Read(stored.Handle, first, 0));

        Assert.Equal(1, _tier.Evict().Files);
        Assert.False(File.Exists(_blobs.PathOf(digest)));
        Assert.Equal(0, _blobs.OpenHandles); // the kept handle is let go of with the file

        var rest = new byte[800];
        Assert.Equal(800, RandomAccess.Read(stored.Handle, rest, 100));
        Assert.Equal(content, first.Concat(rest).ToArray());
    }

    [Fact]
    public async Task Evict_DigestBeingWritten_Skipped_AndCommitAfterEvictionReAdds()
    {
        UseLimits(new DiskTierLimits(1000, 0.5, 0.1));
        var (digest, content) = await PutBlobAsync(900);

        using (var staged = _blobs.BeginWrite(digest))
        {
            await staged.WriteAsync(content, CancellationToken.None);
            Assert.Equal(0, _tier.Evict().Files); // the only candidate is being re-filled
            Assert.True(staged.Commit(content.Length));
        }

        Assert.Equal(1, _tier.Evict().Files);
        Assert.Equal(0, _index.Count);

        using (var staged = _blobs.BeginWrite(digest))
        {
            await staged.WriteAsync(content, CancellationToken.None);
            Assert.True(staged.Commit(content.Length));
        }

        Assert.True(_index.TryGet(BlobIndexKey.Blob(digest), out var entry));
        Assert.Equal(900, entry.Size);
        Assert.NotNull(Open(digest));
    }

    [Fact]
    public async Task Evict_Manifests_CountedAndEvictedLru()
    {
        UseLimits(new DiskTierLimits(1000, 0.9, 0.7));
        var manifest = await PutManifestAsync(300);
        _time.Advance(TimeSpan.FromMinutes(1));
        var blob = await PutBlobAsync(650);
        var manifestBytes = _tier.SizeOnDisk(BlobIndexKey.Manifest(manifest));
        Assert.True(manifestBytes > 300);
        Assert.Equal(650 + manifestBytes, _index.TotalBytes);

        Assert.Equal(1, _tier.Evict().Files);

        Assert.Null(await _manifests.GetAsync(manifest, CancellationToken.None));
        Assert.NotNull(Open(blob.Digest));
        Assert.Equal(650, _index.TotalBytes);
    }

    [Fact]
    public async Task Prune_NotAccessedForAge_DeletedOthersKept()
    {
        var old = await PutBlobAsync(10);
        var oldManifest = await PutManifestAsync(10);
        _time.Advance(TimeSpan.FromHours(30));
        var fresh = await PutBlobAsync(10);

        var (files, _) = _tier.Prune(TimeSpan.FromHours(24));

        Assert.Equal(2, files);
        Assert.Null(Open(old.Digest));
        Assert.Null(await _manifests.GetAsync(oldManifest, CancellationToken.None));
        Assert.NotNull(Open(fresh.Digest));
        Assert.Equal(1, _index.Count);
    }

    [Fact]
    public async Task Reconcile_AdoptsFilesAndDropsEntriesWithoutFile()
    {
        var kept = await PutBlobAsync(10);
        var lost = await PutBlobAsync(20);
        var manifest = await PutManifestAsync(30);
        File.Delete(_blobs.PathOf(lost.Digest));          // entry without a file
        var fresh = new InMemoryBlobIndex();               // a rebuilt (empty) index...
        var stale = Digest.Compute(Encoding.UTF8.GetBytes("gone"));
        fresh.Upsert(BlobIndexKey.Blob(stale), new BlobIndexEntry(99, _time.GetUtcNow(), _time.GetUtcNow(), 0));
        var tier = new DiskTier(_dir.Path, fresh, DiskTierLimits.Unbounded, _tier.Health, _time, NullLogger<DiskTier>.Instance);

        var (adopted, dropped) = tier.Reconcile();

        Assert.Equal((2, 1), (adopted, dropped));
        Assert.True(fresh.TryGet(BlobIndexKey.Blob(kept.Digest), out var entry));
        Assert.Equal(10, entry.Size);
        Assert.True(fresh.TryGet(BlobIndexKey.Manifest(manifest), out _));
        Assert.False(fresh.TryGet(BlobIndexKey.Blob(lost.Digest), out _));
        Assert.False(fresh.TryGet(BlobIndexKey.Blob(stale), out _));
    }

    [Fact]
    public async Task Delete_Known_RemovesFileAndEntry_UnknownFalse()
    {
        var (digest, _) = await PutBlobAsync(10);

        Assert.True(_tier.Delete(BlobIndexKey.Blob(digest)));
        Assert.False(_tier.Delete(BlobIndexKey.Blob(digest)));
        Assert.Null(Open(digest));
        Assert.Equal(0, _index.Count);
    }

    [Fact]
    public void BeginWrite_TempNotWritable_CacheUnavailableAndHealthReported()
    {
        // Replacing tmp/ with a file makes every create fail, even for root (for whom chmod does not).
        var temp = Path.Combine(_dir.Path, "tmp");
        Directory.Delete(temp, recursive: true);
        File.WriteAllText(temp, "not a directory");

        Assert.Throws<CacheUnavailableException>(() => _blobs.BeginWrite(Digest.Compute([1])));

        Assert.False(_tier.Health.IsWritable);
        Assert.Equal("begin write", _tier.Health.LastError!.Operation);
    }

    private void UseLimits(DiskTierLimits limits)
    {
        _tier = NewTier(limits);
        _blobs = new FileBlobStore(_dir.Path, _tier);
        _manifests = new FileManifestStore(_dir.Path, _tier);
    }

    private DiskTier NewTier(DiskTierLimits limits) => new(
        _dir.Path,
        _index,
        limits,
        new CacheHealth(_time, NullLogger<CacheHealth>.Instance),
        _time,
        NullLogger<DiskTier>.Instance);

    private StoredBlob? Open(Digest digest)
    {
        var stored = _blobs.TryOpen(digest);
        stored?.Dispose();
        return stored;
    }

    private async Task<(Digest Digest, byte[] Content)> PutBlobAsync(int size)
    {
        var content = RandomNumberGenerator.GetBytes(size);
        var digest = Digest.Compute(content);
        using var staged = _blobs.BeginWrite(digest);
        await staged.WriteAsync(content, CancellationToken.None);
        Assert.True(staged.Commit(content.Length));
        return (digest, content);
    }

    private async Task<Digest> PutManifestAsync(int size)
    {
        var content = RandomNumberGenerator.GetBytes(size);
        var manifest = new StoredManifest(Digest.Compute(content), "application/vnd.oci.image.manifest.v1+json", content);
        await _manifests.PutAsync(manifest, CancellationToken.None);
        return manifest.Digest;
    }
}
