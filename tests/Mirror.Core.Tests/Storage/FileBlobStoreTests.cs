using System.Security.Cryptography;
using System.Text;

namespace Mirror.Tests.Storage;

public sealed class FileBlobStoreTests : TempDirectoryTests
{
    public FileBlobStoreTests() => Store = new FileBlobStore(Dir.Path);

    private FileBlobStore Store { get; }

    [Fact]
    public async Task Commit_RightDigest_ContentVisibleAtCasPath()
    {
        var content = Content(10_000);
        var digest = Digest.Compute(content);

        using (var staged = Store.BeginWrite(digest))
        {
            await staged.WriteAsync(content.AsMemory(0, 4000), CancellationToken.None);
            await staged.WriteAsync(content.AsMemory(4000), CancellationToken.None);
            Assert.Equal(content.Length, staged.Length);
            Assert.Null(Store.TryOpen(digest));

            Assert.True(staged.Commit(content.Length));
        }

        var expectedPath = Path.Combine(Dir.Path, "blobs", "sha256", digest.Hex[..2], digest.Hex);
        Assert.Equal(expectedPath, Store.PathOf(digest));
        Assert.Equal(content, await File.ReadAllBytesAsync(expectedPath));
        Assert.True(Store.TryGetLength(digest, out var length));
        Assert.Equal(content.Length, length);
        var stored = Store.TryOpen(digest);
        Assert.NotNull(stored);
        using (stored)
        {
            Assert.Equal(content.Length, stored.Length);
            Assert.Equal(content, ReadAll(stored));
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Dir.Path, "tmp")));
    }

    [Fact]
    public async Task Commit_NoExpectedLength_ChecksDigestOnly()
    {
        var content = Content(100);
        var digest = Digest.Compute(content);
        using var staged = Store.BeginWrite(digest);
        await staged.WriteAsync(content, CancellationToken.None);

        Assert.True(staged.Commit(expectedLength: null));
        Assert.True(Store.TryGetLength(digest, out _));
    }

    [Fact]
    public async Task Commit_EmptyBlob_Stored()
    {
        var digest = Digest.Compute([]);
        using var staged = Store.BeginWrite(digest);

        Assert.True(staged.Commit(0));

        Assert.True(Store.TryGetLength(digest, out var length));
        Assert.Equal(0, length);
        var stored = Store.TryOpen(digest);
        Assert.NotNull(stored);
        stored.Dispose();
    }

    [Fact]
    public async Task Commit_Sha512Digest_VerifiedWithSha512()
    {
        var content = Content(3000);
        var digest = Digest.Parse("sha512:" + Convert.ToHexStringLower(SHA512.HashData(content)));
        using var staged = Store.BeginWrite(digest);
        await staged.WriteAsync(content, CancellationToken.None);

        Assert.True(staged.Commit(content.Length));

        Assert.True(File.Exists(Path.Combine(Dir.Path, "blobs", "sha512", digest.Hex[..2], digest.Hex)));
    }

    [Fact]
    public async Task Commit_WrongDigest_FalseAndNothingVisible()
    {
        var content = Content(5000);
        var digest = Digest.Compute(Encoding.UTF8.GetBytes("something else"));
        using var staged = Store.BeginWrite(digest);
        await staged.WriteAsync(content, CancellationToken.None);
        Assert.True(File.Exists(staged.TempPath));

        Assert.False(staged.Commit(content.Length));

        Assert.False(File.Exists(staged.TempPath));
        Assert.False(File.Exists(Store.PathOf(digest)));
        Assert.Null(Store.TryOpen(digest));
        Assert.False(Store.TryGetLength(digest, out _));
        Assert.Null(staged.OpenRead());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Dir.Path, "tmp")));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task Commit_WrongExpectedLength_FalseAndNothingVisible(int delta)
    {
        var content = Content(5000);
        var digest = Digest.Compute(content);
        using var staged = Store.BeginWrite(digest);
        await staged.WriteAsync(content, CancellationToken.None);

        Assert.False(staged.Commit(content.Length + delta));

        Assert.False(File.Exists(staged.TempPath));
        Assert.Null(Store.TryOpen(digest));
        Assert.False(Store.TryGetLength(digest, out _));
    }

    [Fact]
    public async Task OpenRead_BeforeCommit_KeepsReadingAfterRename()
    {
        var content = Content(64 * 1024 + 17);
        var digest = Digest.Compute(content);
        using var staged = Store.BeginWrite(digest);
        await staged.WriteAsync(content.AsMemory(0, 1000), CancellationToken.None);

        await using var reader = staged.OpenRead();
        Assert.NotNull(reader);
        var head = new byte[1000];
        await reader.ReadExactlyAsync(head);
        Assert.Equal(content.AsSpan(0, 1000).ToArray(), head);

        await staged.WriteAsync(content.AsMemory(1000), CancellationToken.None);
        Assert.True(staged.Commit(content.Length));
        Assert.False(File.Exists(staged.TempPath));

        var rest = await ReadAllAsync(reader);
        Assert.Equal(content.AsSpan(1000).ToArray(), rest);
    }

    [Fact]
    public async Task OpenRead_AfterCommit_OpensCommittedFile()
    {
        var content = Content(2000);
        var digest = Digest.Compute(content);
        using var staged = Store.BeginWrite(digest);
        await staged.WriteAsync(content, CancellationToken.None);
        Assert.True(staged.Commit(content.Length));

        await using var reader = staged.OpenRead();

        Assert.NotNull(reader);
        Assert.Equal(Store.PathOf(digest), reader.Name);
        Assert.Equal(content, await ReadAllAsync(reader));
    }

    [Fact]
    public async Task Discard_Written_OpenReadNullAndTempFileGone()
    {
        var content = Content(2000);
        var digest = Digest.Compute(content);
        var staged = Store.BeginWrite(digest);
        await staged.WriteAsync(content, CancellationToken.None);

        staged.Discard();
        staged.Discard();

        Assert.Null(staged.OpenRead());
        Assert.False(File.Exists(staged.TempPath));
        Assert.Null(Store.TryOpen(digest));
        staged.Dispose();
    }

    [Fact]
    public async Task Dispose_Uncommitted_Discards()
    {
        var content = Content(10);
        var staged = Store.BeginWrite(Digest.Compute(content));
        await staged.WriteAsync(content, CancellationToken.None);

        staged.Dispose();

        Assert.False(File.Exists(staged.TempPath));
        Assert.Null(staged.OpenRead());
    }

    [Fact]
    public async Task Dispose_Committed_KeepsContent()
    {
        var content = Content(10);
        var digest = Digest.Compute(content);
        var staged = Store.BeginWrite(digest);
        await staged.WriteAsync(content, CancellationToken.None);
        Assert.True(staged.Commit(content.Length));

        staged.Dispose();

        Assert.True(Store.TryGetLength(digest, out _));
    }

    [Fact]
    public void BeginWrite_TwiceSameDigest_SeparateTempFiles()
    {
        var digest = Digest.Compute([1]);

        using var a = Store.BeginWrite(digest);
        using var b = Store.BeginWrite(digest);

        Assert.NotEqual(a.TempPath, b.TempPath);
        Assert.Equal(Path.Combine(Dir.Path, "tmp"), Path.GetDirectoryName(a.TempPath));
    }

    [Fact]
    public async Task Commit_SameDigestTwice_BothSucceed()
    {
        var content = Content(300);
        var digest = Digest.Compute(content);
        using var a = Store.BeginWrite(digest);
        using var b = Store.BeginWrite(digest);
        await a.WriteAsync(content, CancellationToken.None);
        await b.WriteAsync(content, CancellationToken.None);

        Assert.True(a.Commit(content.Length));
        Assert.True(b.Commit(content.Length));

        Assert.Equal(content, await File.ReadAllBytesAsync(Store.PathOf(digest)));
    }

    [Fact]
    public void Constructor_StaleTempFiles_Deleted()
    {
        var tmp = Path.Combine(Dir.Path, "tmp");
        var stale = Path.Combine(tmp, "abc.0123");
        File.WriteAllBytes(stale, [1, 2, 3]);

        _ = new FileBlobStore(Dir.Path);

        Assert.False(File.Exists(stale));
        Assert.True(Directory.Exists(tmp));
    }

    [Fact]
    public async Task Constructor_CommittedBlobs_Kept()
    {
        var content = Content(50);
        var digest = await CommitAsync(content);

        var reopened = new FileBlobStore(Dir.Path);

        Assert.True(reopened.TryGetLength(digest, out var length));
        Assert.Equal(content.Length, length);
    }

    [Fact]
    public void TryOpen_Missing_Null()
    {
        var digest = Digest.Compute([9, 9, 9]);

        Assert.Null(Store.TryOpen(digest));
        Assert.False(Store.TryGetLength(digest, out var length));
        Assert.Equal(0, length);
    }

    [Fact]
    public async Task Delete_Committed_GoneButOpenReaderKeepsReading()
    {
        var content = Content(4096);
        var digest = await CommitAsync(content);

        var stored = Store.TryOpen(digest);
        Assert.NotNull(stored);
        using (stored)
        {
            Assert.True(Store.Delete(digest));

            Assert.Null(Store.TryOpen(digest));
            Assert.False(Store.Delete(digest));
            Assert.Equal(content, ReadAll(stored));
        }
    }

    [Fact]
    public async Task TryOpen_Again_SharesOneKeptHandle_ClosedOnlyAfterItsLastReader()
    {
        var content = Content(4096);
        var digest = await CommitAsync(content);

        using var first = Store.TryOpen(digest)!;
        using (var second = Store.TryOpen(digest)!)
        {
            Assert.Same(first.Handle, second.Handle);
            Assert.Equal(1, Store.OpenHandles);
        }

        Assert.False(first.Handle.IsClosed);
        Assert.True(Store.Delete(digest));
        Assert.Equal(0, Store.OpenHandles);
        Assert.Equal(content, ReadAll(first)); // the delete closed the kept handle only as far as its readers let it
    }

    [Fact]
    public async Task TryOpen_FileDeletedBehindTheStore_NullAndTheKeptHandleLetGo()
    {
        var digest = await CommitAsync(Content(100));
        Store.TryOpen(digest)!.Dispose();
        Assert.Equal(1, Store.OpenHandles);

        File.Delete(Store.PathOf(digest));

        Assert.Null(Store.TryOpen(digest));
        Assert.Equal(0, Store.OpenHandles);
    }

    [Fact]
    public async Task TryOpen_ManyBlobs_KeepsAtMostTheBound_EveryReadCorrect()
    {
        var blobs = new List<(Digest Digest, byte[] Content)>();
        for (var i = 0; i < OpenBlobHandles.DefaultCapacity + 20; i++)
        {
            var content = Content(64 + i);
            blobs.Add((await CommitAsync(content), content));
        }

        foreach (var (digest, content) in blobs.Concat(blobs))
        {
            using var stored = Store.TryOpen(digest)!;
            Assert.Equal(content, ReadAll(stored));
        }

        Assert.Equal(OpenBlobHandles.DefaultCapacity, Store.OpenHandles);
    }

    /// <summary>Stores <paramref name="content"/> through the staged writer, as a fill does.</summary>
    private async Task<Digest> CommitAsync(byte[] content)
    {
        var digest = Digest.Compute(content);
        using var staged = Store.BeginWrite(digest);
        await staged.WriteAsync(content, CancellationToken.None);
        Assert.True(staged.Commit(content.Length));
        return digest;
    }

    private static byte[] Content(int length)
    {
        var content = new byte[length];
        new Random(length).NextBytes(content);
        return content;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static byte[] ReadAll(StoredBlob stored)
    {
        var content = new byte[stored.Length];
        var read = 0;
        while (read < content.Length && RandomAccess.Read(stored.Handle, content.AsSpan(read), read) is > 0 and var n)
        {
            read += n;
        }

        return content;
    }
}
