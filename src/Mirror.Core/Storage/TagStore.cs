using System.Text.Json;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// The durable copy of tag → digest answers: one small file per tag (<see cref="CacheLayout.TagPathOf"/>) holding
/// its answer for each Accept set, so a restarted mirror can still serve a tag (stale) while its upstream is down.
/// The memory level in front of it is the caching layer's small-object cache; this type keeps no copy of its own. A
/// damaged file is a miss.
/// </summary>
/// <remarks>
/// Reads are asynchronous (they happen on a memory-tier miss, on the request path). Writes of one tag are
/// serialised by one of 64 striped locks, so tags do not queue behind each other, and a file holds at most
/// <see cref="MaxVariants"/> answers: the oldest-validated one goes when a new one comes.
/// </remarks>
internal sealed class TagStore
{
    /// <summary>Answers kept per tag (Accept sets are bounded by <see cref="MediaTypes.Known"/>; this bounds the file).</summary>
    public const int MaxVariants = 16;

    private readonly Lock[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];
    private readonly CacheLayout _layout;

    public TagStore(string root)
        : this(new CacheLayout(root))
    {
    }

    public TagStore(CacheLayout layout)
    {
        _layout = layout;
        Directory.CreateDirectory(layout.Tags);
    }

    public async ValueTask<TagEntry?> GetAsync(TagKey key, CancellationToken cancellationToken) =>
        (await ReadAsync(PathOf(key.Registry, key.Repository, key.Tag), key, cancellationToken).ConfigureAwait(false))?.GetValueOrDefault(key.Variant) is { } s
            && Digest.TryParse(s.Digest, out var digest)
            ? new TagEntry(digest, s.MediaType, s.ValidatedAt)
            : null;

    public void Set(TagKey key, TagEntry entry)
    {
        var path = PathOf(key.Registry, key.Repository, key.Tag);
        lock (StripeOf(path))
        {
            var all = Read(path, key) ?? new Dictionary<string, StoredAnswer>(StringComparer.Ordinal);
            all[key.Variant] = new StoredAnswer(entry.Digest.ToString(), entry.MediaType, entry.ValidatedAt);
            while (all.Count > MaxVariants)
            {
                all.Remove(all.MinBy(a => a.Value.ValidatedAt).Key);
            }

            Write(path, key, all);
        }
    }

    public void Remove(TagKey key)
    {
        var path = PathOf(key.Registry, key.Repository, key.Tag);
        lock (StripeOf(path))
        {
            if (Read(path, key) is { } all && all.Remove(key.Variant))
            {
                Write(path, key, all);
            }
        }
    }

    /// <summary>Forgets every answer for a tag, whatever Accept it was asked with (after a push or delete).</summary>
    public void Invalidate(string registry, string repository, string tag)
    {
        var path = PathOf(registry, repository, tag);
        lock (StripeOf(path))
        {
            FileSystem.TryDelete(path);
        }
    }

    private Lock StripeOf(string path) => _stripes[(path[^2] * 31 + path[^1]) & 63];

    private static async ValueTask<Dictionary<string, StoredAnswer>?> ReadAsync(string path, TagKey key, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null; // the common case for a new tag: no exception on that path
        }

        try
        {
            return Parse(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static Dictionary<string, StoredAnswer>? Read(string path, TagKey key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return Parse(File.ReadAllBytes(path), key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static Dictionary<string, StoredAnswer>? Parse(byte[] content, TagKey key)
    {
        try
        {
            var file = JsonSerializer.Deserialize<StoredTag>(content);
            return file is { Answers: not null } && file.Name == Name(key.Registry, key.Repository, key.Tag)
                ? new Dictionary<string, StoredAnswer>(file.Answers, StringComparer.Ordinal)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Write(string path, TagKey key, Dictionary<string, StoredAnswer> answers)
    {
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

    private static string Name(string registry, string repository, string tag) => CacheLayout.TagName(registry, repository, tag);

    private string PathOf(string registry, string repository, string tag) => _layout.TagPathOf(registry, repository, tag);

    private sealed record StoredAnswer(string Digest, string MediaType, DateTimeOffset ValidatedAt);

    private sealed record StoredTag(string Name, Dictionary<string, StoredAnswer> Answers);
}
