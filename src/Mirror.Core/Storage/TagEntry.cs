using System.ComponentModel;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>A tag's last known answer and when the upstream last confirmed it.</summary>
/// <remarks>Immutable: the memory tier hands out this very instance.</remarks>
[ImmutableObject(true)]
public sealed record TagEntry(Digest Digest, string MediaType, DateTimeOffset ValidatedAt);
