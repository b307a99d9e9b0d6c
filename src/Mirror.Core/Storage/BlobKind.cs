namespace Mirror.Storage;

/// <summary>What a disk-tier entry holds: a blob under <c>blobs/</c> or a manifest under <c>manifests/</c>.</summary>
public enum BlobKind : byte
{
    Blob = 0,
    Manifest = 1,
}
