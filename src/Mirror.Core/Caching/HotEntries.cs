using System.Collections.Concurrent;

namespace Mirror.Caching;

/// <summary>
/// The one mechanism behind the hit fast paths (<see cref="HotTags"/>, <see cref="HotManifests"/>): a dictionary in
/// front of the memory tier that only remembers what the slow path found, bounded by the bytes its values hold, and
/// generation-checked so that a change is never undone by a reader that looked before it.
/// </summary>
/// <remarks>
/// <code>
///  reader:  seen = Generation ─▶ slow path reads the answer ─▶ Add ─▶ Generation still seen? ─no─▶ remove it again
///  changer: Generation++ ─▶ remove the entries it changes (after the increment: an Add that missed it is removed)
/// </code>
/// Past the bound nothing new is kept: those requests take the slow path, as without this.
/// </remarks>
/// <param name="maxBytes">The most value bytes kept.</param>
/// <param name="sizeOf">The bytes one value holds.</param>
internal sealed class HotEntries<TKey, TValue>(long maxBytes, Func<TValue, int> sizeOf)
    where TKey : notnull
    where TValue : class
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new();
    private long _bytes;
    private long _generation;

    /// <summary>Read before the lookup whose result is added.</summary>
    public long Generation => Volatile.Read(ref _generation);

    public int Count => _entries.Count;

    public bool TryGet(TKey key, out TValue value) => _entries.TryGetValue(key, out value!);

    /// <summary>Remembers <paramref name="value"/> (replacing what was kept for the key), unless a change came after <paramref name="seenGeneration"/>.</summary>
    public void Add(TKey key, TValue value, long seenGeneration)
    {
        var size = sizeOf(value);
        if (Interlocked.Add(ref _bytes, size) > maxBytes)
        {
            Interlocked.Add(ref _bytes, -size);
            return;
        }

        if (_entries.TryRemove(key, out var old))
        {
            Interlocked.Add(ref _bytes, -sizeOf(old));
        }

        if (!_entries.TryAdd(key, value))
        {
            Interlocked.Add(ref _bytes, -size);
            return;
        }

        if (Generation != seenGeneration)
        {
            Remove(new KeyValuePair<TKey, TValue>(key, value));
        }
    }

    /// <summary>One entry changed or went away.</summary>
    public void Remove(TKey key)
    {
        Interlocked.Increment(ref _generation);
        if (_entries.TryRemove(key, out var old))
        {
            Interlocked.Add(ref _bytes, -sizeOf(old));
        }
    }

    /// <summary>Every entry that <paramref name="matches"/> (a scan: for rare changes such as an invalidation).</summary>
    public void RemoveWhere(Func<TKey, TValue, bool> matches)
    {
        Interlocked.Increment(ref _generation);
        foreach (var pair in _entries)
        {
            if (matches(pair.Key, pair.Value))
            {
                Remove(pair);
            }
        }
    }

    private void Remove(KeyValuePair<TKey, TValue> pair)
    {
        if (_entries.TryRemove(pair))
        {
            Interlocked.Add(ref _bytes, -sizeOf(pair.Value));
        }
    }
}
