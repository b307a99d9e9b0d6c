using System.Buffers;
using System.Text;

namespace Mirror.Tests.Caching;

public sealed class CacheSerializersTests
{
    [Fact]
    public void StoredManifest_RoundTrip_ExactBytesAndType()
    {
        var content = Encoding.UTF8.GetBytes("{ \"schemaVersion\": 2 }\n");
        var manifest = new StoredManifest(Digest.Compute(content), MediaTypes.OciManifest, content);
        var serializer = new StoredManifestSerializer();
        var buffer = new ArrayBufferWriter<byte>();

        serializer.Serialize(manifest, buffer);
        var back = serializer.Deserialize(new ReadOnlySequence<byte>(buffer.WrittenMemory));

        Assert.Equal(manifest.Digest, back.Digest);
        Assert.Equal(manifest.MediaType, back.MediaType);
        Assert.Equal(content, back.Content.ToArray());
    }

    [Fact]
    public void StoredManifest_ContentAltered_Rejected()
    {
        var content = Encoding.UTF8.GetBytes("{}");
        var serializer = new StoredManifestSerializer();
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(new StoredManifest(Digest.Compute(content), MediaTypes.OciManifest, content), buffer);
        var bytes = buffer.WrittenSpan.ToArray();
        bytes[^1] ^= 0xFF;

        Assert.Throws<InvalidDataException>(() => serializer.Deserialize(new ReadOnlySequence<byte>(bytes)));
    }

    [Fact]
    public void StoredManifest_Truncated_Rejected()
    {
        Assert.Throws<InvalidDataException>(() => new StoredManifestSerializer().Deserialize(new ReadOnlySequence<byte>([1, 0])));
    }

    [Fact]
    public void TagEntry_RoundTrip()
    {
        var entry = new TagEntry(Digest.Compute([1, 2, 3]), MediaTypes.DockerManifest, new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));
        var serializer = new TagEntrySerializer();
        var buffer = new ArrayBufferWriter<byte>();

        serializer.Serialize(entry, buffer);

        Assert.Equal(entry, serializer.Deserialize(new ReadOnlySequence<byte>(buffer.WrittenMemory)));
    }
}
