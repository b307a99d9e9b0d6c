using Mirror.Oci;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>
/// The digest hit's fast path: manifests that the memory tier or the disk served, by digest, in one dictionary in
/// front of HybridCache. Content by digest never changes, so an entry is right until the manifest is forgotten
/// (deleted through the mirror); access checks for private upstreams still run on every hit (the caller's).
/// Bounded by the bytes it holds; past that, manifests are served by the memory tier as before.
/// </summary>
/// <param name="maxBytes">The most manifest bytes it keeps.</param>
internal sealed class HotManifests(long maxBytes)
{
    // Bumped by every Remove; an Add compares it with what it read before its lookup (see HotTags).
    private long _generation;
    private long _bytes;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Digest, StoredManifest> _entries = new();

    /// <summary>Read before the lookup whose result is added: a manifest forgotten since is not put back.</summary>
    public long Generation => Volatile.Read(ref _generation);

    public int Count => _entries.Count;

    public bool TryGet(Digest digest, out StoredManifest manifest) => _entries.TryGetValue(digest, out manifest!);

    public void Add(StoredManifest manifest, long seenGeneration)
    {
        var size = manifest.Content.Length;
        if (_entries.ContainsKey(manifest.Digest))
        {
            return;
        }

        if (Interlocked.Add(ref _bytes, size) > maxBytes || !_entries.TryAdd(manifest.Digest, manifest))
        {
            Interlocked.Add(ref _bytes, -size);
            return;
        }

        if (Generation != seenGeneration && _entries.TryRemove(new KeyValuePair<Digest, StoredManifest>(manifest.Digest, manifest)))
        {
            Interlocked.Add(ref _bytes, -size);
        }
    }

    public void Remove(Digest digest)
    {
        Interlocked.Increment(ref _generation);
        if (_entries.TryRemove(digest, out var gone))
        {
            Interlocked.Add(ref _bytes, -gone.Content.Length);
        }
    }
}
