using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Mirror.Oci;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>
/// Compact binary forms for the second level (Redis): a manifest is its exact bytes plus two short strings, never
/// base64 inside JSON. The digest is re-checked on the way in: a damaged or foreign value is a miss.
/// </summary>
internal sealed class StoredManifestSerializer : IHybridCacheSerializer<StoredManifest>
{
    public StoredManifest Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new SequenceReader<byte>(source);
        var digest = Digest.Parse(ReadString(ref reader));
        var mediaType = ReadString(ref reader);
        var content = source.Slice(reader.Position).ToArray();
        if (!digest.Matches(content))
        {
            throw new InvalidDataException($"cached manifest does not match {digest}");
        }

        return new StoredManifest(digest, mediaType, content);
    }

    public void Serialize(StoredManifest value, IBufferWriter<byte> target)
    {
        WriteString(target, value.Digest.ToString());
        WriteString(target, value.MediaType);
        target.Write(value.Content.Span);
    }

    internal static void WriteString(IBufferWriter<byte> target, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var span = target.GetSpan(4);
        BinaryPrimitives.WriteInt32LittleEndian(span, bytes.Length);
        target.Advance(4);
        target.Write(bytes);
    }

    internal static string ReadString(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadLittleEndian(out int length) || length < 0 || length > 4096 || reader.Remaining < length)
        {
            throw new InvalidDataException("truncated cache value");
        }

        var value = Encoding.UTF8.GetString(reader.UnreadSequence.Slice(0, length));
        reader.Advance(length);
        return value;
    }
}

/// <summary>A tag answer: digest, media type, when it was last validated.</summary>
internal sealed class TagEntrySerializer : IHybridCacheSerializer<TagEntry>
{
    public TagEntry Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new SequenceReader<byte>(source);
        var digest = Digest.Parse(StoredManifestSerializer.ReadString(ref reader));
        var mediaType = StoredManifestSerializer.ReadString(ref reader);
        if (!reader.TryReadLittleEndian(out long ticks))
        {
            throw new InvalidDataException("truncated tag entry");
        }

        return new TagEntry(digest, mediaType, new DateTimeOffset(ticks, TimeSpan.Zero));
    }

    public void Serialize(TagEntry value, IBufferWriter<byte> target)
    {
        StoredManifestSerializer.WriteString(target, value.Digest.ToString());
        StoredManifestSerializer.WriteString(target, value.MediaType);
        var span = target.GetSpan(8);
        BinaryPrimitives.WriteInt64LittleEndian(span, value.ValidatedAt.UtcTicks);
        target.Advance(8);
    }
}
