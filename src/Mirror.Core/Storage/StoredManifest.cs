using System.ComponentModel;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>A manifest's exact bytes, its media type and its digest (always the digest of <see cref="Content"/>).</summary>
/// <remarks>Immutable: the memory tier hands out this very instance to every reader.</remarks>
[ImmutableObject(true)]
public sealed record StoredManifest(Digest Digest, string MediaType, ReadOnlyMemory<byte> Content);
