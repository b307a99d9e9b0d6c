using System.Security.Cryptography;
using System.Text;
using Mirror.Storage;
using Mirror.Oci;

namespace Mirror.Tests.Storage;

public sealed class TagStoreTests : IDisposable
{
    private static readonly TagKey Key = new("docker.io", "library/nginx", "latest", MediaTypes.OciIndex);
    private static readonly TagKey OtherAccept = Key with { Accept = MediaTypes.DockerManifest };
    private static readonly TagEntry Entry = new(
        Digest.Compute(Encoding.UTF8.GetBytes("index")),
        MediaTypes.OciIndex,
        new DateTimeOffset(2025, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)).AddTicks(9));

    private static readonly TagEntry OtherEntry = new(
        Digest.Compute(Encoding.UTF8.GetBytes("manifest")),
        MediaTypes.DockerManifest,
        new DateTimeOffset(2025, 1, 2, 3, 4, 6, TimeSpan.Zero));

    private readonly TempDirectory _dir = new();
    private readonly TagStore _store;

    public TagStoreTests()
    {
        _store = new TagStore(_dir.Path);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Get_Unknown_Null()
    {
        Assert.Null(await _store.GetAsync(Key, default));
    }

    [Fact]
    public async Task Get_AfterSet_ReturnsEntry()
    {
        _store.Set(Key, Entry);

        Assert.Equal(Entry, await _store.GetAsync(Key, default));
        Assert.Null(await _store.GetAsync(OtherAccept, default));
        Assert.Null(await _store.GetAsync(Key with { Tag = "stable" }, default));
    }

    [Fact]
    public async Task Set_Again_Replaces()
    {
        _store.Set(Key, Entry);
        var revalidated = Entry with { ValidatedAt = Entry.ValidatedAt.AddMinutes(5) };

        _store.Set(Key, revalidated);

        Assert.Equal(revalidated, await _store.GetAsync(Key, default));
        Assert.Equal(revalidated, await new TagStore(_dir.Path).GetAsync(Key, default));
    }

    [Fact]
    public async Task Get_NewInstanceSameDirectory_ReadsFromDisk()
    {
        _store.Set(Key, Entry);
        _store.Set(OtherAccept, OtherEntry);

        var reopened = new TagStore(_dir.Path);

        Assert.Equal(Entry, await reopened.GetAsync(Key, default));
        Assert.Equal(OtherEntry, await reopened.GetAsync(OtherAccept, default));
        Assert.Equal(Entry.ValidatedAt.Offset, (await reopened.GetAsync(Key, default))!.ValidatedAt.Offset);
    }

    [Fact]
    public async Task Get_NewInstanceOtherRegistry_Null()
    {
        _store.Set(Key, Entry);

        var reopened = new TagStore(_dir.Path);

        Assert.Null(await reopened.GetAsync(Key with { Registry = "ghcr.io" }, default));
        Assert.Null(await reopened.GetAsync(Key with { Repository = "library/redis" }, default));
    }

    [Fact]
    public async Task Invalidate_SeveralAccepts_AllRemovedFromMemoryAndDisk()
    {
        _store.Set(Key, Entry);
        _store.Set(OtherAccept, OtherEntry);
        var otherTag = Key with { Tag = "stable" };
        _store.Set(otherTag, Entry);

        _store.Invalidate(Key.Registry, Key.Repository, Key.Tag);

        Assert.Null(await _store.GetAsync(Key, default));
        Assert.Null(await _store.GetAsync(OtherAccept, default));
        Assert.False(File.Exists(TagFile(Key)));
        var reopened = new TagStore(_dir.Path);
        Assert.Null(await reopened.GetAsync(Key, default));
        Assert.Null(await reopened.GetAsync(OtherAccept, default));
        Assert.Equal(Entry, await _store.GetAsync(otherTag, default));
        Assert.Equal(Entry, await reopened.GetAsync(otherTag, default));
    }

    [Fact]
    public async Task Invalidate_Unknown_DoesNothing()
    {
        _store.Invalidate("docker.io", "library/none", "latest");

        Assert.Null(await _store.GetAsync(Key, default));
    }

    [Fact]
    public async Task Remove_OneAccept_OthersKept()
    {
        _store.Set(Key, Entry);
        _store.Set(OtherAccept, OtherEntry);

        _store.Remove(Key);

        Assert.Null(await _store.GetAsync(Key, default));
        Assert.Equal(OtherEntry, await _store.GetAsync(OtherAccept, default));
        var reopened = new TagStore(_dir.Path);
        Assert.Null(await reopened.GetAsync(Key, default));
        Assert.Equal(OtherEntry, await reopened.GetAsync(OtherAccept, default));
    }

    [Fact]
    public void Remove_LastAccept_FileDeleted()
    {
        _store.Set(Key, Entry);

        _store.Remove(Key);

        Assert.False(File.Exists(TagFile(Key)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"Name\":")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"Name\":42}")]
    [InlineData("{\"Name\":\"docker.io/library/nginx:latest\",\"Answers\":{\"application/vnd.oci.image.index.v1+json\":{\"Digest\":\"sha256:nope\",\"MediaType\":\"x\",\"ValidatedAt\":\"2025-01-01T00:00:00Z\"}}}")]
    [InlineData("{\"Name\":\"docker.io/library/nginx:latest\",\"Answers\":{\"application/vnd.oci.image.index.v1+json\":null}}")]
    [InlineData("{\"Name\":\"docker.io/library/nginx:latest\",\"Answers\":{\"application/vnd.oci.image.index.v1+json\":{\"Digest\":\"sha256:x\",\"ValidatedAt\":\"yesterday\"}}}")]
    public async Task Get_CorruptFile_Null(string content)
    {
        _store.Set(Key, Entry);
        File.WriteAllText(TagFile(Key), content);

        Assert.Null(await new TagStore(_dir.Path).GetAsync(Key, default));
    }

    [Fact]
    public async Task Get_FileOfAnotherTag_Null()
    {
        // A file whose recorded name differs (a hash collision, a file copied by hand) is not this tag's answer.
        _store.Set(Key, Entry);
        var otherTag = Key with { Tag = "stable" };
        File.Copy(TagFile(Key), TagFile(otherTag));

        Assert.Null(await new TagStore(_dir.Path).GetAsync(otherTag, default));
    }

    [Fact]
    public async Task Set_OverCorruptFile_Rewrites()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TagFile(Key))!);
        File.WriteAllText(TagFile(Key), "garbage");

        _store.Set(Key, Entry);

        Assert.Equal(Entry, await new TagStore(_dir.Path).GetAsync(Key, default));
    }

    [Fact]
    public async Task Get_CorruptFileWithoutAnswers_Null()
    {
        _store.Set(Key, Entry);
        File.WriteAllText(TagFile(Key), "{\"Name\":\"docker.io/library/nginx:latest\"}");

        Assert.Null(await new TagStore(_dir.Path).GetAsync(Key, default));
    }

    private string TagFile(TagKey key) => Path.Combine(
        _dir.Path,
        "tags",
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{key.Registry}/{key.Repository}:{key.Tag}"))));

    [Fact]
    public async Task Set_ManyAcceptVariants_KeepsTheNewestBounded()
    {
        for (var i = 0; i < TagStore.MaxVariants + 5; i++)
        {
            _store.Set(Key with { Accept = "variant-" + i }, Entry with { ValidatedAt = Entry.ValidatedAt.AddSeconds(i) });
        }

        var reopened = new TagStore(_dir.Path);
        Assert.Null(await reopened.GetAsync(Key with { Accept = "variant-0" }, default));
        Assert.NotNull(await reopened.GetAsync(Key with { Accept = "variant-" + (TagStore.MaxVariants + 4) }, default));
        Assert.True(new FileInfo(Directory.GetFiles(Path.Combine(_dir.Path, "tags")).Single()).Length < 16 * 1024);
    }

    [Fact]
    public async Task Get_OtherCredential_Null()
    {
        var mine = Key with { Credential = "aaaa" };
        _store.Set(mine, Entry);

        Assert.Equal(Entry, await _store.GetAsync(mine, default));
        Assert.Null(await _store.GetAsync(Key with { Credential = "bbbb" }, default));
        Assert.Null(await _store.GetAsync(Key, default));
    }
}
