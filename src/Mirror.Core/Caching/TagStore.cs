using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mirror.Oci;

namespace Mirror.Caching;

/// <summary>
/// Tag → digest answers, in memory and in <c>&lt;root&gt;/tags/</c> (one small file per tag, holding its answer for
/// each Accept set) so a restarted mirror can still serve a tag, stale, while its upstream is down. A damaged
/// file is a miss.
/// </summary>
internal sealed class TagStore
{
    private readonly ConcurrentDictionary<TagKey, TagEntry> _entries = new();
    private readonly Lock _fileGate = new();
    private readonly string _root;

    public TagStore(string root)
    {
        _root = Path.Combine(Path.GetFullPath(root), "tags");
        Directory.CreateDirectory(_root);
    }

    public TagEntry? Get(TagKey key)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            return entry;
        }

        var stored = Read(key);
        if (stored?.GetValueOrDefault(key.Accept) is { } s && Digest.TryParse(s.Digest, out var digest))
        {
            return _entries.GetOrAdd(key, new TagEntry(digest, s.MediaType, s.ValidatedAt));
        }

        return null;
    }

    public void Set(TagKey key, TagEntry entry)
    {
        _entries[key] = entry;
        lock (_fileGate)
        {
            var all = Read(key) ?? new Dictionary<string, StoredAnswer>(StringComparer.Ordinal);
            all[key.Accept] = new StoredAnswer(entry.Digest.ToString(), entry.MediaType, entry.ValidatedAt);
            Write(key, all);
        }
    }

    public void Remove(TagKey key)
    {
        _entries.TryRemove(key, out _);
        lock (_fileGate)
        {
            if (Read(key) is { } all && all.Remove(key.Accept))
            {
                Write(key, all);
            }
        }
    }

    /// <summary>Forgets every answer for a tag, whatever Accept it was asked with (after a push or delete).</summary>
    public void Invalidate(string registry, string repository, string tag)
    {
        foreach (var key in _entries.Keys)
        {
            if (key.Registry == registry && key.Repository == repository && key.Tag == tag)
            {
                _entries.TryRemove(key, out _);
            }
        }

        lock (_fileGate)
        {
            TryDelete(PathOf(registry, repository, tag));
        }
    }

    private Dictionary<string, StoredAnswer>? Read(TagKey key)
    {
        try
        {
            var file = JsonSerializer.Deserialize<StoredTag>(File.ReadAllBytes(PathOf(key.Registry, key.Repository, key.Tag)));
            return file is { Answers: not null } && file.Name == Name(key.Registry, key.Repository, key.Tag)
                ? new Dictionary<string, StoredAnswer>(file.Answers, StringComparer.Ordinal)
                : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void Write(TagKey key, Dictionary<string, StoredAnswer> answers)
    {
        var path = PathOf(key.Registry, key.Repository, key.Tag);
        try
        {
            if (answers.Count == 0)
            {
                TryDelete(path);
                return;
            }

            var temp = path + "." + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(new StoredTag(Name(key.Registry, key.Repository, key.Tag), answers)));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The in-memory answer still serves; persistence is best effort.
        }
    }

    private static string Name(string registry, string repository, string tag) => $"{registry}/{repository}:{tag}";

    private string PathOf(string registry, string repository, string tag) =>
        Path.Combine(_root, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Name(registry, repository, tag)))));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private sealed record StoredAnswer(string Digest, string MediaType, DateTimeOffset ValidatedAt);

    private sealed record StoredTag(string Name, Dictionary<string, StoredAnswer> Answers);
}
