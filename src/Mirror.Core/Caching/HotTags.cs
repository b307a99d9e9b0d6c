using System.Collections.Concurrent;
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
/// next request takes the slow path and puts the new answer back. A request that read the old answer before such
/// a change must not put it back afterwards:
/// <code>
///  reader:  seen = Generation ─▶ slow path reads the answer ─▶ Add ─▶ Generation still seen? ─no─▶ remove it again
///  changer: Generation++ ─▶ remove the entries it changes (after the increment: an Add that missed it is removed)
/// </code>
/// Bounded by the bytes of the manifests it holds (an eighth of the memory tier's size), so what it keeps alive
/// beyond the memory tier's own bound is bounded too; past that, tags are served by the slow path.
/// </remarks>
internal sealed class HotTags(long maxBytes)
{
    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private long _bytes;
    private long _generation;

    public long Generation => Volatile.Read(ref _generation);

    public int Count => _entries.Count;

    public bool TryGet(string registry, string repository, string tag, string accept, string credential, out TagEntry entry, out StoredManifest manifest)
    {
        if (_entries.TryGetValue(new Key(registry, repository, tag, accept, credential), out var found))
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
    public void Add(TagKey key, TagEntry entry, StoredManifest manifest, long seenGeneration)
    {
        var size = manifest.Content.Length;
        if (Interlocked.Add(ref _bytes, size) > maxBytes)
        {
            Interlocked.Add(ref _bytes, -size);
            return;
        }

        var k = new Key(key.Registry, key.Repository, key.Tag, key.Accept, key.Credential);
        var added = new Entry(entry, manifest);
        if (_entries.TryRemove(k, out var old))
        {
            Interlocked.Add(ref _bytes, -old.Manifest.Content.Length);
        }

        if (!_entries.TryAdd(k, added))
        {
            Interlocked.Add(ref _bytes, -size);
            return;
        }

        if (Generation != seenGeneration)
        {
            Remove(new KeyValuePair<Key, Entry>(k, added));
        }
    }

    /// <summary>One answer changed or went away.</summary>
    public void Remove(TagKey key)
    {
        Interlocked.Increment(ref _generation);
        if (_entries.TryRemove(new Key(key.Registry, key.Repository, key.Tag, key.Accept, key.Credential), out var old))
        {
            Interlocked.Add(ref _bytes, -old.Manifest.Content.Length);
        }
    }

    /// <summary>Every answer (all Accept variants and credentials) of one tag.</summary>
    public void Invalidate(string registry, string repository, string tag) =>
        RemoveWhere(k => k.Tag == tag && k.Repository == repository && k.Registry == registry, default);

    /// <summary>Every answer that points at a manifest that is gone.</summary>
    public void Forget(Digest digest) => RemoveWhere(null, digest);

    private void RemoveWhere(Func<Key, bool>? matches, Digest digest)
    {
        Interlocked.Increment(ref _generation);
        foreach (var pair in _entries)
        {
            if (matches is null ? pair.Value.Tag.Digest == digest : matches(pair.Key))
            {
                Remove(pair);
            }
        }
    }

    private void Remove(KeyValuePair<Key, Entry> pair)
    {
        if (_entries.TryRemove(pair))
        {
            Interlocked.Add(ref _bytes, -pair.Value.Manifest.Content.Length);
        }
    }

    private readonly record struct Key(string Registry, string Repository, string Tag, string Accept, string Credential);

    private sealed record Entry(TagEntry Tag, StoredManifest Manifest);
}
