namespace Mirror.Oci;

/// <summary>Manifest media types and the Accept negotiation registries do with them.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public const string OciArtifactManifest = "application/vnd.oci.artifact.manifest.v1+json";
    public const string OctetStream = "application/octet-stream";

    /// <summary>
    /// The manifest media types the mirror negotiates with. Accept is reduced to these: any other type names
    /// nothing a registry would answer with, and a bounded set keeps the answers per tag bounded (2^7 at most)
    /// whatever clients send.
    /// </summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        OciManifest, OciIndex, DockerManifest, DockerManifestList, DockerSchema1, DockerSchema1Signed, OciArtifactManifest,
    };

    /// <summary>What the mirror asks upstreams for when a client sends no Accept of its own.</summary>
    public static readonly string DefaultAccept = string.Join(", ", OciIndex, OciManifest, DockerManifestList, DockerManifest);

    private const int MaxRemembered = 256;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>> Remembered = new(StringComparer.Ordinal);

    /// <summary>
    /// <see cref="ParseAccept"/> for a single header value, remembered: clients send a handful of distinct Accept
    /// headers (Docker's, containerd's, skopeo's…), so the hot path parses each once. At most 256 are kept.
    /// </summary>
    public static IReadOnlyList<string> ParseAcceptCached(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return [];
        }

        if (Remembered.TryGetValue(header, out var known))
        {
            return known;
        }

        var parsed = ParseAccept([header]);
        if (header.Length <= 1024 && Remembered.Count < MaxRemembered)
        {
            Remembered.TryAdd(header, parsed);
        }

        return parsed;
    }

    /// <summary>
    /// Parses an Accept header (possibly several) into the sorted, de-duplicated manifest media types it names
    /// (<see cref="Known"/>; others are ignored), without parameters. An empty result means "anything": no header,
    /// a wildcard, or no manifest type at all.
    /// </summary>
    public static IReadOnlyList<string> ParseAccept(IEnumerable<string?> headers)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var header in headers)
        {
            if (string.IsNullOrEmpty(header))
            {
                continue;
            }

            foreach (var part in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var semi = part.IndexOf(';');
                var type = (semi >= 0 ? part[..semi] : part).Trim().ToLowerInvariant();
                if (type is "*/*" or "application/*")
                {
                    return [];
                }

                if (Known.Contains(type))
                {
                    set.Add(type);
                }
            }
        }

        return [.. set];
    }

    /// <summary>
    /// The media type to store a verified manifest under: its own <c>mediaType</c> field when it has one (the
    /// content is what the digest covers; a Content-Type is only what one upstream said), else the Content-Type
    /// when that is a manifest type, else the Content-Type as given.
    /// </summary>
    public static string OfManifest(ReadOnlySpan<byte> content, string? contentType)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(content);
            if (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("mediaType"u8) && reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.String)
                    {
                        var own = reader.GetString()!;
                        if (own.Length is > 0 and <= 255)
                        {
                            return own;
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON (or not whole): the Content-Type is all there is.
        }

        return contentType ?? OctetStream;
    }

    /// <summary>
    /// True for a <c>type/subtype</c> media type (RFC 6838 characters, at most 255): what an <c>artifactType</c>
    /// filter or a policy's artifact type must be. Nothing else may reach a cache key or a header.
    /// </summary>
    public static bool IsMediaType(string? value)
    {
        if (value is null || value.Length is 0 or > 255)
        {
            return false;
        }

        var slash = value.IndexOf('/');
        if (slash <= 0 || slash == value.Length - 1 || value.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '!' or '#' or '$' or '&' or '-' or '^' or '_' or '.' or '+'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when content of <paramref name="mediaType"/> may be sent to a client that accepts <paramref name="accepted"/>.</summary>
    public static bool IsAcceptable(string mediaType, IReadOnlyList<string> accepted)
    {
        if (accepted.Count == 0)
        {
            return true;
        }

        foreach (var a in accepted)
        {
            if (string.Equals(a, mediaType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
