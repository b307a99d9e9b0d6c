using System.Text;

namespace Mirror.Tests.Caching;

public sealed class HotTagsTests
{
    private static readonly StoredManifest Manifest = Make("{\"schemaVersion\":2}");
    private static readonly TagKey Key = new("docker.io", "library/app", "1", MediaTypes.OciManifest);

    [Fact]
    public void TryGet_AfterAdd_SameAnswerAndManifest()
    {
        var hot = new HotTags(1 << 20);
        var entry = new TagEntry(Manifest.Digest, Manifest.MediaType, DateTimeOffset.UnixEpoch);
        hot.Add(Key, entry, Manifest, hot.Generation);

        Assert.True(hot.TryGet("docker.io", "library/app", "1", MediaTypes.OciManifest, string.Empty, out var found, out var manifest));
        Assert.Same(entry, found);
        Assert.Same(Manifest, manifest);
    }

    [Fact]
    public void TryGet_OtherCredential_Miss()
    {
        var hot = new HotTags(1 << 20);
        hot.Add(Key with { Credential = "alice" }, new TagEntry(Manifest.Digest, Manifest.MediaType, DateTimeOffset.UnixEpoch), Manifest, hot.Generation);

        Assert.False(hot.TryGet("docker.io", "library/app", "1", MediaTypes.OciManifest, string.Empty, out _, out _));
        Assert.False(hot.TryGet("docker.io", "library/app", "1", MediaTypes.OciManifest, "bob", out _, out _));
        Assert.True(hot.TryGet("docker.io", "library/app", "1", MediaTypes.OciManifest, "alice", out _, out _));
    }

    [Fact]
    public void Add_ChangeSinceRead_NotKept()
    {
        var hot = new HotTags(1 << 20);
        var seen = hot.Generation;
        hot.Invalidate("docker.io", "library/app", "1");
        hot.Add(Key, new TagEntry(Manifest.Digest, Manifest.MediaType, DateTimeOffset.UnixEpoch), Manifest, seen);

        Assert.False(hot.TryGet("docker.io", "library/app", "1", MediaTypes.OciManifest, string.Empty, out _, out _));
        Assert.Equal(0, hot.Count);
    }

    [Fact]
    public void Invalidate_EveryVariantOfTheTag_OthersKept()
    {
        var hot = new HotTags(1 << 20);
        var entry = new TagEntry(Manifest.Digest, Manifest.MediaType, DateTimeOffset.UnixEpoch);
        hot.Add(Key, entry, Manifest, hot.Generation);
        hot.Add(Key with { Accept = "*" }, entry, Manifest, hot.Generation);
        hot.Add(Key with { Credential = "alice" }, entry, Manifest, hot.Generation);
        hot.Add(Key with { Tag = "2" }, entry, Manifest, hot.Generation);

        hot.Invalidate("docker.io", "library/app", "1");

        Assert.Equal(1, hot.Count);
        Assert.True(hot.TryGet("docker.io", "library/app", "2", MediaTypes.OciManifest, string.Empty, out _, out _));
    }

    [Fact]
    public void Forget_Digest_AnswersPointingAtItGone()
    {
        var hot = new HotTags(1 << 20);
        var other = Make("{\"schemaVersion\":2,\"x\":1}");
        hot.Add(Key, new TagEntry(Manifest.Digest, Manifest.MediaType, DateTimeOffset.UnixEpoch), Manifest, hot.Generation);
        hot.Add(Key with { Tag = "2" }, new TagEntry(other.Digest, other.MediaType, DateTimeOffset.UnixEpoch), other, hot.Generation);

        hot.Forget(Manifest.Digest);

        Assert.False(hot.TryGet("docker.io", "library/app", "1", MediaTypes.OciManifest, string.Empty, out _, out _));
        Assert.True(hot.TryGet("docker.io", "library/app", "2", MediaTypes.OciManifest, string.Empty, out _, out _));
    }

    [Fact]
    public void Add_OverByteBound_NotKept()
    {
        var hot = new HotTags(Manifest.Content.Length);
        var entry = new TagEntry(Manifest.Digest, Manifest.MediaType, DateTimeOffset.UnixEpoch);
        hot.Add(Key, entry, Manifest, hot.Generation);
        hot.Add(Key with { Tag = "2" }, entry, Manifest, hot.Generation);

        Assert.Equal(1, hot.Count);

        // Replacing an answer gives its bytes back first.
        hot.Remove(Key);
        hot.Add(Key with { Tag = "2" }, entry, Manifest, hot.Generation);
        Assert.True(hot.TryGet("docker.io", "library/app", "2", MediaTypes.OciManifest, string.Empty, out _, out _));
    }

    private static StoredManifest Make(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return new StoredManifest(Digest.Compute(bytes), MediaTypes.OciManifest, bytes);
    }
}
