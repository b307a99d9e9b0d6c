using Mirror.Oci;

namespace Mirror.Caching;

/// <summary>What opening a blob gave: content to serve, or the error to answer with — one or the other.</summary>
internal readonly record struct BlobOpenResult(BlobContent? Content, OciError? Error)
{
    public static implicit operator BlobOpenResult(BlobContent content) => new(content, null);

    public static implicit operator BlobOpenResult(OciError error) => new(null, error);
}
