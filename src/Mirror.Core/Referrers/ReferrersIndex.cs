using System.Text.Json;
using System.Text.Json.Nodes;
using Mirror.Oci;

namespace Mirror.Referrers;

/// <summary>
/// The referrers list as the OCI distribution spec 1.1 answers it: an image index whose <c>manifests</c> are the
/// descriptors of the artifacts that name the subject. Built from the upstream's pages or from the fallback tag's
/// index, filtered by <c>artifactType</c> here when the upstream did not filter.
/// </summary>
internal static class ReferrersIndex
{
    /// <summary>The answer for a subject nothing refers to (the spec's "no referrers": 200 with an empty index).</summary>
    public static readonly byte[] Empty = Build([]);

    /// <summary>
    /// The descriptors of <paramref name="index"/>'s <c>manifests</c> with a digest, optionally only those of
    /// <paramref name="artifactType"/>; null when the content is not an index.
    /// </summary>
    public static List<JsonObject>? Descriptors(ReadOnlySpan<byte> index, string? artifactType)
    {
        JsonNode? root;
        try
        {
            var reader = new Utf8JsonReader(index);
            root = JsonNode.Parse(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root is not JsonObject document || document["manifests"] is not JsonArray manifests)
        {
            return null;
        }

        var descriptors = new List<JsonObject>(manifests.Count);
        foreach (var item in manifests)
        {
            // Only well-formed descriptors go on: a client fetches each by digest, and a broken entry would fail it.
            if (item is JsonObject descriptor
                && descriptor["digest"] is JsonValue digest && digest.TryGetValue<string>(out var value) && Digest.TryParse(value, out _)
                && (artifactType is null || ArtifactTypeOf(descriptor) == artifactType))
            {
                descriptors.Add(descriptor);
            }
        }

        return descriptors;
    }

    /// <summary>The descriptor's <c>artifactType</c>; for a fallback tag's entries that lack it, the manifest's media type does not stand in.</summary>
    public static string? ArtifactTypeOf(JsonObject descriptor) =>
        descriptor["artifactType"] is JsonValue type && type.TryGetValue<string>(out var value) ? value : null;

    /// <summary>An OCI image index listing <paramref name="descriptors"/> (each detached from where it was read).</summary>
    public static byte[] Build(IEnumerable<JsonObject> descriptors)
    {
        var manifests = new JsonArray();
        foreach (var descriptor in descriptors)
        {
            manifests.Add(descriptor.DeepClone());
        }

        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = manifests,
        };
        return JsonSerializer.SerializeToUtf8Bytes(index);
    }

    /// <summary>How many referrers a list built here holds.</summary>
    public static int Count(ReadOnlySpan<byte> index) => Descriptors(index, null)?.Count ?? 0;
}
