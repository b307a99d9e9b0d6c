using Mirror.Oci;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>
/// The tag hit's fast path: tag answers with their manifest in one dictionary in front of the memory tier, so a
/// hit by tag is one lookup — no key strings built, no HybridCache call for the answer and another for the
/// manifest. It only remembers what the slow path found; <see cref="ManifestCache"/> still decides freshness
/// (TagTtl, then a HEAD), and its keys are the <see cref="TagKey"/>'s parts, credential included, so a private
/// answer stays with the credential that asked.
/// </summary>
/// <remarks>
/// Every change of a tag answer (set, removed, invalidated, its manifest forgotten) drops the entry here; the
/// next request takes the slow path and puts the new answer back; a request that read the old answer before such a
/// change does not put it back afterwards (<see cref="HotEntries{TKey, TValue}"/>'s generation check). Bounded by the
/// bytes of the manifests it holds (an eighth of the memory tier's size), so what it keeps alive beyond the memory
/// tier's own bound is bounded too; past that, tags are served by the slow path.
/// </remarks>
internal sealed class HotTags(long maxBytes)
{
    private readonly HotEntries<Key, Entry> _entries = new(maxBytes, static e => e.Manifest.Content.Length);

    public long Generation => _entries.Generation;

    public int Count => _entries.Count;

    public bool TryGet(string registry, string repository, string tag, string accept, string credential, out TagEntry entry, out StoredManifest manifest)
    {
        if (_entries.TryGet(new Key(registry, repository, tag, accept, credential), out var found))
        {
            entry = found.Tag;
            manifest = found.Manifest;
            return true;
        }

        entry = null!;
        manifest = null!;
        return false;
    }

    /// <summary>Remembers an answer the slow path found, unless a change came after <paramref name="seenGeneration"/>.</summary>
    public void Add(TagKey key, TagEntry entry, StoredManifest manifest, long seenGeneration) =>
        _entries.Add(KeyOf(key), new Entry(entry, manifest), seenGeneration);

    /// <summary>One answer changed or went away.</summary>
    public void Remove(TagKey key) => _entries.Remove(KeyOf(key));

    /// <summary>Every answer (all Accept variants and credentials) of one tag.</summary>
    public void Invalidate(string registry, string repository, string tag) =>
        _entries.RemoveWhere((k, _) => k.Tag == tag && k.Repository == repository && k.Registry == registry);

    /// <summary>Every answer that points at a manifest that is gone.</summary>
    public void Forget(Digest digest) => _entries.RemoveWhere((_, e) => e.Tag.Digest == digest);

    private static Key KeyOf(TagKey key) => new(key.Registry, key.Repository, key.Tag, key.Accept, key.Credential);

    private readonly record struct Key(string Registry, string Repository, string Tag, string Accept, string Credential);

    private sealed record Entry(TagEntry Tag, StoredManifest Manifest);
}
