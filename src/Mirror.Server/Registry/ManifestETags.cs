using System.Runtime.CompilerServices;
using Mirror.Storage;

namespace Mirror.Server.Registry;

/// <summary>
/// The ETag of a stored manifest (its quoted digest), made once per manifest instead of once per hit: the memory
/// tier hands every reader the same <see cref="StoredManifest"/> instance, so the value lives as long as it does.
/// </summary>
internal static class ManifestETags
{
    private static readonly ConditionalWeakTable<StoredManifest, string> Made = [];

    public static string Of(StoredManifest manifest) => Made.GetValue(manifest, static m => $"\"{m.Digest}\"");
}
