using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mirror.Oci;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>
/// The durable copy of tag → digest answers: <c>&lt;root&gt;/tags/</c>, one small file per tag holding its answer for
/// each Accept set, so a restarted mirror can still serve a tag (stale) while its upstream is down. The memory
/// level in front of it is <see cref="SmallObjectCache"/>; this type keeps no copy of its own. A damaged file is a
/// miss.
/// </summary>
internal sealed class TagStore
{
    private readonly Lock _fileGate = new();
    private readonly string _root;

    public TagStore(string root)
    {
        _root = Path.Combine(Path.GetFullPath(root), "tags");
        Directory.CreateDirectory(_root);
    }

    public TagEntry? Get(TagKey key) =>
        Read(key)?.GetValueOrDefault(key.Accept) is { } s && Digest.TryParse(s.Digest, out var digest)
            ? new TagEntry(digest, s.MediaType, s.ValidatedAt)
            : null;

    public void Set(TagKey key, TagEntry entry)
    {
        lock (_fileGate)
        {
            var all = Read(key) ?? new Dictionary<string, StoredAnswer>(StringComparer.Ordinal);
            all[key.Accept] = new StoredAnswer(entry.Digest.ToString(), entry.MediaType, entry.ValidatedAt);
            Write(key, all);
        }
    }

    public void Remove(TagKey key)
    {
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
        lock (_fileGate)
        {
            FileSystem.TryDelete(PathOf(registry, repository, tag));
        }
    }

    private Dictionary<string, StoredAnswer>? Read(TagKey key)
    {
        var path = PathOf(key.Registry, key.Repository, key.Tag);
        if (!File.Exists(path))
        {
            return null; // the common case for a new tag: no exception on that path
        }

        try
        {
            var file = JsonSerializer.Deserialize<StoredTag>(File.ReadAllBytes(path));
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
                FileSystem.TryDelete(path);
                return;
            }

            var temp = path + "." + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(new StoredTag(Name(key.Registry, key.Repository, key.Tag), answers)));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The memory level still has the answer; persistence is best effort.
        }
    }

    private static string Name(string registry, string repository, string tag) => $"{registry}/{repository}:{tag}";

    private string PathOf(string registry, string repository, string tag) =>
        Path.Combine(_root, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Name(registry, repository, tag)))));

    private sealed record StoredAnswer(string Digest, string MediaType, DateTimeOffset ValidatedAt);

    private sealed record StoredTag(string Name, Dictionary<string, StoredAnswer> Answers);
}
