using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>Manifests by digest, stored byte for byte with the media type they were served with.</summary>
public interface IManifestStore
{
    ValueTask<StoredManifest?> GetAsync(Digest digest, CancellationToken cancellationToken);

    ValueTask PutAsync(StoredManifest manifest, CancellationToken cancellationToken);

    bool Delete(Digest digest);
}
