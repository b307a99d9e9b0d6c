using Mirror.Oci;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>
/// The digest hit's fast path: manifests that the memory tier or the disk served, by digest, in one dictionary in
/// front of HybridCache (<see cref="HotEntries{TKey, TValue}"/>). Content by digest never changes, so an entry is right
/// until the manifest is forgotten (deleted through the mirror); access checks for private upstreams still run on
/// every hit (the caller's). Bounded by the bytes it holds; past that, manifests are served by the memory tier as before.
/// </summary>
/// <param name="maxBytes">The most manifest bytes it keeps.</param>
internal sealed class HotManifests(long maxBytes)
{
    private readonly HotEntries<Digest, StoredManifest> _entries = new(maxBytes, static m => m.Content.Length);

    /// <summary>Read before the lookup whose result is added: a manifest forgotten since is not put back.</summary>
    public long Generation => _entries.Generation;

    public int Count => _entries.Count;

    public bool TryGet(Digest digest, out StoredManifest manifest) => _entries.TryGet(digest, out manifest);

    public void Add(StoredManifest manifest, long seenGeneration)
    {
        // Content by digest is the same whoever adds it: one kept copy is enough.
        if (!_entries.TryGet(manifest.Digest, out _))
        {
            _entries.Add(manifest.Digest, manifest, seenGeneration);
        }
    }

    public void Remove(Digest digest) => _entries.Remove(digest);
}
