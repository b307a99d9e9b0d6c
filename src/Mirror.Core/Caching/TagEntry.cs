using Mirror.Oci;

namespace Mirror.Caching;

/// <summary>A tag's last known answer and when the upstream last confirmed it.</summary>
public sealed record TagEntry(Digest Digest, string MediaType, DateTimeOffset ValidatedAt);
