using System.Text;

namespace Mirror.Tests.Caching;

public sealed class HotManifestsTests
{
    private static readonly StoredManifest Manifest = Make("{\"schemaVersion\":2}");

    [Fact]
    public void TryGet_AfterAdd_SameInstance()
    {
        var hot = new HotManifests(1 << 20);
        hot.Add(Manifest, hot.Generation);

        Assert.True(hot.TryGet(Manifest.Digest, out var found));
        Assert.Same(Manifest, found);
    }

    [Fact]
    public void Add_ForgottenSinceRead_NotKept()
    {
        var hot = new HotManifests(1 << 20);
        var seen = hot.Generation;
        hot.Remove(Manifest.Digest);
        hot.Add(Manifest, seen);

        Assert.False(hot.TryGet(Manifest.Digest, out _));
    }

    [Fact]
    public void Add_OverByteBound_NotKeptAndRemoveFreesRoom()
    {
        var other = Make("{\"schemaVersion\":2,\"x\":1}");
        var hot = new HotManifests(other.Content.Length);
        hot.Add(other, hot.Generation);
        hot.Add(Manifest, hot.Generation);
        Assert.Equal(1, hot.Count);

        hot.Remove(other.Digest);
        hot.Add(Manifest, hot.Generation);
        Assert.True(hot.TryGet(Manifest.Digest, out _));
    }

    private static StoredManifest Make(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return new StoredManifest(Digest.Compute(bytes), MediaTypes.OciManifest, bytes);
    }
}
