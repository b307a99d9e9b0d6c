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
/// <remarks>
/// Parsed on spans of the request path: only the name and the reference become strings (a hit needs them), and the
/// suffix, which only a forwarded request needs, is cut when asked for.
/// </remarks>
internal readonly record struct RegistryPath(RegistryPathKind Kind, string Name, string Reference)
{
    private readonly string? _source;
    private readonly int _suffixStart;
    private readonly int _suffixLength;

    private RegistryPath(RegistryPathKind kind, string name, string reference, string source, int suffixStart, int suffixLength)
        : this(kind, name, reference)
    {
        _source = source;
        _suffixStart = suffixStart;
        _suffixLength = suffixLength;
    }

    /// <summary>What follows the name: <c>/manifests/&lt;reference&gt;</c>, <c>/blobs/uploads/&lt;id&gt;</c>, <c>/tags/list</c>…</summary>
    public string Suffix => _source is null ? string.Empty : _source.Substring(_suffixStart, _suffixLength);

    /// <summary>Parses <paramref name="path"/> from <paramref name="start"/> on (what follows <c>/v2</c>).</summary>
    public static RegistryPath Parse(string path, int start = 0)
    {
        var offset = Math.Min(start, path.Length);
        var end = path.Length;
        while (offset < end && path[offset] == '/')
        {
            offset++;
        }

        while (end > offset && path[end - 1] == '/')
        {
            end--;
        }

        var rest = path.AsSpan(offset, end - offset);
        if (rest.IsEmpty)
        {
            return new RegistryPath(RegistryPathKind.Base, string.Empty, string.Empty);
        }

        if (rest.SequenceEqual("_catalog"))
        {
            return new RegistryPath(RegistryPathKind.Catalog, string.Empty, string.Empty);
        }

        if (rest.EndsWith("/tags/list", StringComparison.Ordinal))
        {
            return Named(RegistryPathKind.Tags, path, offset, rest, rest.Length - "/tags/list".Length, string.Empty);
        }

        var uploads = rest.LastIndexOf("/blobs/uploads", StringComparison.Ordinal);
        if (uploads > 0 && (rest.Length == uploads + "/blobs/uploads".Length || rest[uploads + "/blobs/uploads".Length] == '/'))
        {
            return Named(RegistryPathKind.Upload, path, offset, rest, uploads, string.Empty);
        }

        var last = rest.LastIndexOf('/');
        if (last > 0)
        {
            var before = rest[..last].LastIndexOf('/');
            if (before > 0)
            {
                var segment = rest[(before + 1)..last];
                var kind = segment.SequenceEqual("manifests") ? RegistryPathKind.Manifest
                    : segment.SequenceEqual("blobs") ? RegistryPathKind.Blob
                    : segment.SequenceEqual("referrers") ? RegistryPathKind.Referrers
                    : RegistryPathKind.Unknown;
                if (kind != RegistryPathKind.Unknown)
                {
                    return Named(kind, path, offset, rest, before, rest[(last + 1)..].ToString());
                }
            }
        }

        return new RegistryPath(RegistryPathKind.Unknown, string.Empty, string.Empty);
    }

    private static RegistryPath Named(RegistryPathKind kind, string path, int offset, ReadOnlySpan<char> rest, int nameEnd, string reference) =>
        nameEnd <= 0
            ? new RegistryPath(RegistryPathKind.Unknown, string.Empty, string.Empty)
            : new RegistryPath(kind, rest[..nameEnd].ToString(), reference, path, offset + nameEnd, rest.Length - nameEnd);
}
