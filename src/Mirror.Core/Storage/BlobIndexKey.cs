using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// One file of the disk tier. The kind is part of the key: the same digest may be stored both as a blob and as a
/// manifest (a client may GET a manifest through <c>/blobs/</c>), and those are two files with two sizes.
/// </summary>
public readonly record struct BlobIndexKey(BlobKind Kind, Digest Digest)
{
    public static BlobIndexKey Blob(Digest digest) => new(BlobKind.Blob, digest);

    public static BlobIndexKey Manifest(Digest digest) => new(BlobKind.Manifest, digest);

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Digest}";
}
