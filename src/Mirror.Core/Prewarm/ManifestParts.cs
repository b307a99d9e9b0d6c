using System.Text.Json;
using Mirror.Oci;

namespace Mirror.Prewarm;

/// <summary>
/// What a manifest points at: for an index (OCI image index, Docker manifest list) its manifests with their
/// platforms; for an image manifest its config and layers. Schema 1 manifests name their layers as
/// <c>fsLayers[].blobSum</c>, without sizes.
/// </summary>
internal sealed record ManifestParts(IReadOnlyList<(Digest Digest, string? Platform)> Manifests, IReadOnlyList<(Digest Digest, long Size)> Blobs)
{
    public static ManifestParts Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var manifests = new List<(Digest, string?)>();
        var blobs = new List<(Digest, long)>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new ManifestParts(manifests, blobs);
        }

        if (root.TryGetProperty("manifests", out var children) && children.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in children.EnumerateArray())
            {
                if (Descriptor(child) is { } d)
                {
                    manifests.Add((d.Digest, Platform(child)));
                }
            }
        }

        if (root.TryGetProperty("config", out var config) && Descriptor(config) is { } c)
        {
            blobs.Add(c);
        }

        if (root.TryGetProperty("layers", out var layers) && layers.ValueKind == JsonValueKind.Array)
        {
            foreach (var layer in layers.EnumerateArray())
            {
                if (Descriptor(layer) is { } l)
                {
                    blobs.Add(l);
                }
            }
        }

        if (root.TryGetProperty("fsLayers", out var fsLayers) && fsLayers.ValueKind == JsonValueKind.Array)
        {
            foreach (var layer in fsLayers.EnumerateArray())
            {
                if (layer.ValueKind == JsonValueKind.Object && layer.TryGetProperty("blobSum", out var sum) && Digest.TryParse(sum.GetString(), out var digest))
                {
                    blobs.Add((digest, 0));
                }
            }
        }

        return new ManifestParts(manifests, blobs);
    }

    private static (Digest Digest, long Size)? Descriptor(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty("digest", out var digest) && digest.ValueKind == JsonValueKind.String
        && Digest.TryParse(digest.GetString(), out var parsed)
            ? (parsed, element.TryGetProperty("size", out var size) && size.TryGetInt64(out var bytes) ? bytes : 0)
            : null;

    private static string? Platform(JsonElement element)
    {
        if (!element.TryGetProperty("platform", out var platform) || platform.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var os = platform.TryGetProperty("os", out var o) ? o.GetString() : null;
        var architecture = platform.TryGetProperty("architecture", out var a) ? a.GetString() : null;
        var variant = platform.TryGetProperty("variant", out var v) ? v.GetString() : null;
        return os is null || architecture is null ? null : variant is null ? $"{os}/{architecture}" : $"{os}/{architecture}/{variant}";
    }
}
