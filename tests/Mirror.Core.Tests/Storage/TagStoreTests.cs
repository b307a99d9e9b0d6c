using System.Security.Cryptography;
using System.Text;

namespace Mirror.Tests.Storage;

public sealed class TagStoreTests : TempDirectoryTests
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

    public TagStoreTests() => Store = new TagStore(Dir.Path);

    private TagStore Store { get; }

    [Fact]
    public async Task Get_Unknown_Null()
    {
        Assert.Null(await Store.GetAsync(Key, default));
    }

    [Fact]
    public async Task Get_AfterSet_ReturnsEntry()
    {
        Store.Set(Key, Entry);

        Assert.Equal(Entry, await Store.GetAsync(Key, default));
        Assert.Null(await Store.GetAsync(OtherAccept, default));
        Assert.Null(await Store.GetAsync(Key with { Tag = "stable" }, default));
    }

    [Fact]
    public async Task Set_Again_Replaces()
    {
        Store.Set(Key, Entry);
        var revalidated = Entry with { ValidatedAt = Entry.ValidatedAt.AddMinutes(5) };

        Store.Set(Key, revalidated);

        Assert.Equal(revalidated, await Store.GetAsync(Key, default));
        Assert.Equal(revalidated, await new TagStore(Dir.Path).GetAsync(Key, default));
    }

    [Fact]
    public async Task Get_NewInstanceSameDirectory_ReadsFromDisk()
    {
        Store.Set(Key, Entry);
        Store.Set(OtherAccept, OtherEntry);

        var reopened = new TagStore(Dir.Path);

        Assert.Equal(Entry, await reopened.GetAsync(Key, default));
        Assert.Equal(OtherEntry, await reopened.GetAsync(OtherAccept, default));
        Assert.Equal(Entry.ValidatedAt.Offset, (await reopened.GetAsync(Key, default))!.ValidatedAt.Offset);
    }

    [Fact]
    public async Task Get_NewInstanceOtherRegistry_Null()
    {
        Store.Set(Key, Entry);

        var reopened = new TagStore(Dir.Path);

        Assert.Null(await reopened.GetAsync(Key with { Registry = "ghcr.io" }, default));
        Assert.Null(await reopened.GetAsync(Key with { Repository = "library/redis" }, default));
    }

    [Fact]
    public async Task Invalidate_SeveralAccepts_AllRemovedFromMemoryAndDisk()
    {
        Store.Set(Key, Entry);
        Store.Set(OtherAccept, OtherEntry);
        var otherTag = Key with { Tag = "stable" };
        Store.Set(otherTag, Entry);

        Store.Invalidate(Key.Registry, Key.Repository, Key.Tag);

        Assert.Null(await Store.GetAsync(Key, default));
        Assert.Null(await Store.GetAsync(OtherAccept, default));
        Assert.False(File.Exists(TagFile(Key)));
        var reopened = new TagStore(Dir.Path);
        Assert.Null(await reopened.GetAsync(Key, default));
        Assert.Null(await reopened.GetAsync(OtherAccept, default));
        Assert.Equal(Entry, await Store.GetAsync(otherTag, default));
        Assert.Equal(Entry, await reopened.GetAsync(otherTag, default));
    }

    [Fact]
    public async Task Invalidate_Unknown_DoesNothing()
    {
        Store.Invalidate("docker.io", "library/none", "latest");

        Assert.Null(await Store.GetAsync(Key, default));
    }

    [Fact]
    public async Task Remove_OneAccept_OthersKept()
    {
        Store.Set(Key, Entry);
        Store.Set(OtherAccept, OtherEntry);

        Store.Remove(Key);

        Assert.Null(await Store.GetAsync(Key, default));
        Assert.Equal(OtherEntry, await Store.GetAsync(OtherAccept, default));
        var reopened = new TagStore(Dir.Path);
        Assert.Null(await reopened.GetAsync(Key, default));
        Assert.Equal(OtherEntry, await reopened.GetAsync(OtherAccept, default));
    }

    [Fact]
    public void Remove_LastAccept_FileDeleted()
    {
        Store.Set(Key, Entry);

        Store.Remove(Key);

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
        Store.Set(Key, Entry);
        File.WriteAllText(TagFile(Key), content);

        Assert.Null(await new TagStore(Dir.Path).GetAsync(Key, default));
    }

    [Fact]
    public async Task Get_FileOfAnotherTag_Null()
    {
        // A file whose recorded name differs (a hash collision, a file copied by hand) is not this tag's answer.
        Store.Set(Key, Entry);
        var otherTag = Key with { Tag = "stable" };
        File.Copy(TagFile(Key), TagFile(otherTag));

        Assert.Null(await new TagStore(Dir.Path).GetAsync(otherTag, default));
    }

    [Fact]
    public async Task Set_OverCorruptFile_Rewrites()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TagFile(Key))!);
        File.WriteAllText(TagFile(Key), "garbage");

        Store.Set(Key, Entry);

        Assert.Equal(Entry, await new TagStore(Dir.Path).GetAsync(Key, default));
    }

    [Fact]
    public async Task Get_CorruptFileWithoutAnswers_Null()
    {
        Store.Set(Key, Entry);
        File.WriteAllText(TagFile(Key), "{\"Name\":\"docker.io/library/nginx:latest\"}");

        Assert.Null(await new TagStore(Dir.Path).GetAsync(Key, default));
    }

    private string TagFile(TagKey key) => Path.Combine(
        Dir.Path,
        "tags",
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{key.Registry}/{key.Repository}:{key.Tag}"))));

    [Fact]
    public async Task Set_ManyAcceptVariants_KeepsTheNewestBounded()
    {
        for (var i = 0; i < TagStore.MaxVariants + 5; i++)
        {
            Store.Set(Key with { Accept = "variant-" + i }, Entry with { ValidatedAt = Entry.ValidatedAt.AddSeconds(i) });
        }

        var reopened = new TagStore(Dir.Path);
        Assert.Null(await reopened.GetAsync(Key with { Accept = "variant-0" }, default));
        Assert.NotNull(await reopened.GetAsync(Key with { Accept = "variant-" + (TagStore.MaxVariants + 4) }, default));
        Assert.True(new FileInfo(Directory.GetFiles(Path.Combine(Dir.Path, "tags")).Single()).Length < 16 * 1024);
    }

    [Fact]
    public async Task Get_OtherCredential_Null()
    {
        var mine = Key with { Credential = "aaaa" };
        Store.Set(mine, Entry);

        Assert.Equal(Entry, await Store.GetAsync(mine, default));
        Assert.Null(await Store.GetAsync(Key with { Credential = "bbbb" }, default));
        Assert.Null(await Store.GetAsync(Key, default));
    }
}
