using System.Security.Cryptography;
using System.Text;
using Mirror.Caching;
using Mirror.Oci;

namespace Mirror.Tests.Caching;

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
    public void Get_Unknown_Null()
    {
        Assert.Null(_store.Get(Key));
    }

    [Fact]
    public void Get_AfterSet_ReturnsEntry()
    {
        _store.Set(Key, Entry);

        Assert.Equal(Entry, _store.Get(Key));
        Assert.Null(_store.Get(OtherAccept));
        Assert.Null(_store.Get(Key with { Tag = "stable" }));
    }

    [Fact]
    public void Set_Again_Replaces()
    {
        _store.Set(Key, Entry);
        var revalidated = Entry with { ValidatedAt = Entry.ValidatedAt.AddMinutes(5) };

        _store.Set(Key, revalidated);

        Assert.Equal(revalidated, _store.Get(Key));
        Assert.Equal(revalidated, new TagStore(_dir.Path).Get(Key));
    }

    [Fact]
    public void Get_NewInstanceSameDirectory_ReadsFromDisk()
    {
        _store.Set(Key, Entry);
        _store.Set(OtherAccept, OtherEntry);

        var reopened = new TagStore(_dir.Path);

        Assert.Equal(Entry, reopened.Get(Key));
        Assert.Equal(OtherEntry, reopened.Get(OtherAccept));
        Assert.Equal(Entry.ValidatedAt.Offset, reopened.Get(Key)!.ValidatedAt.Offset);
    }

    [Fact]
    public void Get_NewInstanceOtherRegistry_Null()
    {
        _store.Set(Key, Entry);

        var reopened = new TagStore(_dir.Path);

        Assert.Null(reopened.Get(Key with { Registry = "ghcr.io" }));
        Assert.Null(reopened.Get(Key with { Repository = "library/redis" }));
    }

    [Fact]
    public void Invalidate_SeveralAccepts_AllRemovedFromMemoryAndDisk()
    {
        _store.Set(Key, Entry);
        _store.Set(OtherAccept, OtherEntry);
        var otherTag = Key with { Tag = "stable" };
        _store.Set(otherTag, Entry);

        _store.Invalidate(Key.Registry, Key.Repository, Key.Tag);

        Assert.Null(_store.Get(Key));
        Assert.Null(_store.Get(OtherAccept));
        Assert.False(File.Exists(TagFile(Key)));
        var reopened = new TagStore(_dir.Path);
        Assert.Null(reopened.Get(Key));
        Assert.Null(reopened.Get(OtherAccept));
        Assert.Equal(Entry, _store.Get(otherTag));
        Assert.Equal(Entry, reopened.Get(otherTag));
    }

    [Fact]
    public void Invalidate_Unknown_DoesNothing()
    {
        _store.Invalidate("docker.io", "library/none", "latest");

        Assert.Null(_store.Get(Key));
    }

    [Fact]
    public void Remove_OneAccept_OthersKept()
    {
        _store.Set(Key, Entry);
        _store.Set(OtherAccept, OtherEntry);

        _store.Remove(Key);

        Assert.Null(_store.Get(Key));
        Assert.Equal(OtherEntry, _store.Get(OtherAccept));
        var reopened = new TagStore(_dir.Path);
        Assert.Null(reopened.Get(Key));
        Assert.Equal(OtherEntry, reopened.Get(OtherAccept));
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
    public void Get_CorruptFile_Null(string content)
    {
        _store.Set(Key, Entry);
        File.WriteAllText(TagFile(Key), content);

        Assert.Null(new TagStore(_dir.Path).Get(Key));
    }

    [Fact]
    public void Get_FileOfAnotherTag_Null()
    {
        // A file whose recorded name differs (a hash collision, a file copied by hand) is not this tag's answer.
        _store.Set(Key, Entry);
        var otherTag = Key with { Tag = "stable" };
        File.Copy(TagFile(Key), TagFile(otherTag));

        Assert.Null(new TagStore(_dir.Path).Get(otherTag));
    }

    [Fact]
    public void Set_OverCorruptFile_Rewrites()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TagFile(Key))!);
        File.WriteAllText(TagFile(Key), "garbage");

        _store.Set(Key, Entry);

        Assert.Equal(Entry, new TagStore(_dir.Path).Get(Key));
    }

    [Fact]
    public void Get_CorruptFileWithoutAnswers_Null()
    {
        _store.Set(Key, Entry);
        File.WriteAllText(TagFile(Key), "{\"Name\":\"docker.io/library/nginx:latest\"}");

        Assert.Null(new TagStore(_dir.Path).Get(Key));
    }

    private string TagFile(TagKey key) => Path.Combine(
        _dir.Path,
        "tags",
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{key.Registry}/{key.Repository}:{key.Tag}"))));
}
