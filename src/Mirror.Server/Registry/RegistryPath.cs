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

    /// <summary><c>/v2/&lt;name&gt;/blobs/uploads/…</c>: the push API.</summary>
    Upload,

    /// <summary><c>/v2/&lt;name&gt;/tags/list</c>.</summary>
    Tags,

    /// <summary><c>/v2/&lt;name&gt;/referrers/&lt;digest&gt;</c>.</summary>
    Referrers,

    /// <summary><c>/v2/_catalog</c>.</summary>
    Catalog,

    /// <summary>Nothing the distribution API defines.</summary>
    Unknown,
}

/// <summary>
/// Splits a <c>/v2/</c> path into its kind, the repository name as the client wrote it, the reference, and the
/// suffix after the name (<c>/blobs/uploads/&lt;id&gt;</c>, <c>/tags/list</c>…) that a forwarded request keeps. The name
/// may itself contain <c>manifests</c> or <c>blobs</c> components, so the kind is read from the end.
/// </summary>
internal readonly record struct RegistryPath(RegistryPathKind Kind, string Name, string Reference, string Suffix)
{
    public static RegistryPath Parse(string rest)
    {
        rest = rest.Trim('/');
        if (rest.Length == 0)
        {
            return new RegistryPath(RegistryPathKind.Base, string.Empty, string.Empty, string.Empty);
        }

        if (rest == "_catalog")
        {
            return new RegistryPath(RegistryPathKind.Catalog, string.Empty, string.Empty, string.Empty);
        }

        if (rest.EndsWith("/tags/list", StringComparison.Ordinal))
        {
            return Named(RegistryPathKind.Tags, rest, rest.Length - "/tags/list".Length, string.Empty);
        }

        var uploads = rest.LastIndexOf("/blobs/uploads", StringComparison.Ordinal);
        if (uploads > 0 && (rest.Length == uploads + "/blobs/uploads".Length || rest[uploads + "/blobs/uploads".Length] == '/'))
        {
            return Named(RegistryPathKind.Upload, rest, uploads, string.Empty);
        }

        var last = rest.LastIndexOf('/');
        if (last > 0)
        {
            var before = rest.LastIndexOf('/', last - 1);
            if (before > 0)
            {
                var kind = rest[(before + 1)..last] switch
                {
                    "manifests" => RegistryPathKind.Manifest,
                    "blobs" => RegistryPathKind.Blob,
                    "referrers" => RegistryPathKind.Referrers,
                    _ => RegistryPathKind.Unknown,
                };
                if (kind != RegistryPathKind.Unknown)
                {
                    return Named(kind, rest, before, rest[(last + 1)..]);
                }
            }
        }

        return new RegistryPath(RegistryPathKind.Unknown, string.Empty, string.Empty, string.Empty);
    }

    private static RegistryPath Named(RegistryPathKind kind, string rest, int nameEnd, string reference) =>
        nameEnd <= 0
            ? new RegistryPath(RegistryPathKind.Unknown, string.Empty, string.Empty, string.Empty)
            : new RegistryPath(kind, rest[..nameEnd], reference, rest[nameEnd..]);
}
