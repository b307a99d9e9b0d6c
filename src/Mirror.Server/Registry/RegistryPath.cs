namespace Mirror.Server.Registry;

/// <summary>What a <c>/v2/</c> path asks for.</summary>
internal enum RegistryPathKind
{
    /// <summary><c>/v2/</c>: the API version check.</summary>
    Base,

    /// <summary><c>/v2/&lt;name&gt;/manifests/&lt;reference&gt;</c>.</summary>
    Manifest,

    /// <summary><c>/v2/&lt;name&gt;/blobs/&lt;digest&gt;</c>.</summary>
    Blob,

    /// <summary>Anything else under /v2/ (uploads, tags/list, _catalog, referrers): forwarded, not cached.</summary>
    Other,
}

/// <summary>
/// Splits a <c>/v2/</c> path. The name may itself contain <c>manifests</c> or <c>blobs</c> components, so the kind is
/// read from the end: the last two segments are <c>&lt;kind&gt;/&lt;reference&gt;</c>.
/// </summary>
internal readonly record struct RegistryPath(RegistryPathKind Kind, string Name, string Reference)
{
    public static RegistryPath Parse(string rest)
    {
        rest = rest.Trim('/');
        if (rest.Length == 0)
        {
            return new RegistryPath(RegistryPathKind.Base, string.Empty, string.Empty);
        }

        var last = rest.LastIndexOf('/');
        if (last > 0)
        {
            var before = rest.LastIndexOf('/', last - 1);
            var kind = rest[(before + 1)..last];
            var name = before > 0 ? rest[..before] : string.Empty;
            var reference = rest[(last + 1)..];
            if (name.Length > 0)
            {
                if (kind == "manifests")
                {
                    return new RegistryPath(RegistryPathKind.Manifest, name, reference);
                }

                // blobs/uploads is the push API, not a blob named "uploads".
                if (kind == "blobs" && reference != "uploads")
                {
                    return new RegistryPath(RegistryPathKind.Blob, name, reference);
                }
            }
        }

        return new RegistryPath(RegistryPathKind.Other, string.Empty, string.Empty);
    }
}
