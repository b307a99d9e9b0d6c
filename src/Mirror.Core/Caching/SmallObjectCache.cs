using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Oci;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>
/// The memory tier (and, with <c>Mirror:Cache:Redis</c>, a shared second level): manifests by digest and tag
/// answers, on HybridCache. Lookups never create entries — the disk tier and the upstream are asked by the caller,
/// which then stores what it found — so a miss here is never remembered, in this process or in Redis.
/// </summary>
/// <remarks>
/// <see cref="StoredManifest"/> and <see cref="TagEntry"/> are sealed and immutable, so HybridCache's L1 hands out
/// the cached instance itself: a memory-tier hit allocates nothing but the response.
/// </remarks>
internal sealed class SmallObjectCache
{
    /// <summary>A lookup that must not write anything anywhere.</summary>
    private static readonly HybridCacheEntryOptions ReadOnly = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    private readonly HybridCache _cache;
    private readonly HybridCacheEntryOptions _manifestEntry;
    private readonly HybridCacheEntryOptions _manifestLocalOnly;
    private readonly HybridCacheEntryOptions _tagEntry;
    private readonly HybridCacheEntryOptions _tagEntryLocalOnly;
    private readonly long _maxObject;

    public SmallObjectCache(HybridCache cache, IOptions<MirrorOptions> options)
    {
        _cache = cache;
        var cacheOptions = options.Value.Cache;
        _maxObject = cacheOptions.MemoryObjectMaxSize;

        // Manifests by digest never change: keep them as long as memory allows (the L1 is size-bounded and evicts).
        _manifestEntry = new HybridCacheEntryOptions { Expiration = TimeSpan.FromDays(7), LocalCacheExpiration = TimeSpan.FromDays(1) };
        _manifestLocalOnly = new HybridCacheEntryOptions
        {
            Expiration = TimeSpan.FromDays(7),
            LocalCacheExpiration = TimeSpan.FromDays(1),
            Flags = HybridCacheEntryFlags.DisableDistributedCacheWrite,
        };

        // A tag answer is useful until it can no longer be served stale; its freshness is its ValidatedAt.
        var longest = options.Value.Upstreams.Select(u => u.TagTtl + u.MaxStale).DefaultIfEmpty(TimeSpan.FromDays(1)).Max();
        _tagEntry = new HybridCacheEntryOptions { Expiration = longest, LocalCacheExpiration = longest };

        // A tag answer for one client's credentials stays in this process: another mirror has its own key for
        // fingerprints, and credentials' answers have no business in a shared Redis.
        _tagEntryLocalOnly = new HybridCacheEntryOptions { Expiration = longest, LocalCacheExpiration = longest, Flags = HybridCacheEntryFlags.DisableDistributedCache };
    }

    public ValueTask<StoredManifest?> GetManifestAsync(Digest digest, CancellationToken cancellationToken) =>
        _cache.GetOrCreateAsync(ManifestKey(digest), static _ => ValueTask.FromResult<StoredManifest?>(null), ReadOnly, cancellationToken: cancellationToken);

    public ValueTask SetManifestAsync(StoredManifest manifest, bool share, CancellationToken cancellationToken) =>
        manifest.Content.Length > _maxObject
            ? ValueTask.CompletedTask
            : _cache.SetAsync(ManifestKey(manifest.Digest), manifest, share ? _manifestEntry : _manifestLocalOnly, cancellationToken: cancellationToken);

    public ValueTask RemoveManifestAsync(Digest digest, CancellationToken cancellationToken) =>
        _cache.RemoveAsync(ManifestKey(digest), cancellationToken);

    public ValueTask<TagEntry?> GetTagAsync(TagKey key, CancellationToken cancellationToken) =>
        _cache.GetOrCreateAsync(TagKeyString(key), static _ => ValueTask.FromResult<TagEntry?>(null), ReadOnly, cancellationToken: cancellationToken);

    public ValueTask SetTagAsync(TagKey key, TagEntry entry, CancellationToken cancellationToken) =>
        _cache.SetAsync(TagKeyString(key), entry, key.Credential.Length == 0 ? _tagEntry : _tagEntryLocalOnly, [TagGroup(key.Registry, key.Repository, key.Tag)], cancellationToken);

    public ValueTask RemoveTagAsync(TagKey key, CancellationToken cancellationToken) =>
        _cache.RemoveAsync(TagKeyString(key), cancellationToken);

    /// <summary>Drops every Accept variant of a tag (HybridCache tags group them).</summary>
    public ValueTask InvalidateTagAsync(string registry, string repository, string tag, CancellationToken cancellationToken) =>
        _cache.RemoveByTagAsync(TagGroup(registry, repository, tag), cancellationToken);

    /// <summary>The message of a remembered upstream 404, or null.</summary>
    public async ValueTask<string?> GetNotFoundAsync(string key, CancellationToken cancellationToken) =>
        (await _cache.GetOrCreateAsync("n:" + key, static _ => ValueTask.FromResult<NotFound?>(null), ReadOnly, cancellationToken: cancellationToken).ConfigureAwait(false))?.Message;

    /// <summary>Remembers a 404 in this process only (another mirror may see the content sooner), grouped with its tag so a push clears it.</summary>
    public ValueTask SetNotFoundAsync(string key, string message, TagKey? tag, TimeSpan ttl, CancellationToken cancellationToken) =>
        _cache.SetAsync(
            "n:" + key,
            new NotFound(message),
            new HybridCacheEntryOptions { Expiration = ttl, LocalCacheExpiration = ttl, Flags = HybridCacheEntryFlags.DisableDistributedCache },
            tag is null ? null : [TagGroup(tag.Registry, tag.Repository, tag.Tag)],
            cancellationToken);

    /// <summary>The digest string itself (no other key starts with an algorithm name): no allocation per hit.</summary>
    private static string ManifestKey(Digest digest) => digest.ToString();

    private static string TagKeyString(TagKey key) => $"t:{key.Registry}/{key.Repository}:{key.Tag}|{key.Variant}";

    private static string TagGroup(string registry, string repository, string tag) => $"tag:{registry}/{repository}:{tag}";

    /// <summary>A remembered upstream 404.</summary>
    [System.ComponentModel.ImmutableObject(true)]
    internal sealed record NotFound(string Message);
}
