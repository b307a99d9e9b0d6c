using System.Text.Json;
using Mirror.Oci;

namespace Mirror.Policy;

/// <summary>
/// Whether a manifest is something a container runtime can run: an image with filesystem layers. Signatures, SBOMs,
/// attestations and referrers indexes are not — their layers are payloads (<c>application/spdx+json</c>,
/// <c>application/vnd.dev.cosign.simplesigning.v1+json</c>, <c>application/vnd.dsse.envelope.v1+json</c>…) that
/// containerd and Docker refuse to unpack — so RequireReferrer asks nothing of them: they are the evidence, and a
/// verifier must be able to read them.
/// </summary>
internal static class Runnable
{
    public static bool IsImage(string mediaType, ReadOnlySpan<byte> content)
    {
        if (mediaType is MediaTypes.DockerSchema1 or MediaTypes.DockerSchema1Signed)
        {
            return true;
        }

        try
        {
            var reader = new Utf8JsonReader(content);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            foreach (var layer in layers.EnumerateArray())
            {
                // A layer without a media type is taken for a filesystem: when in doubt, the requirement holds.
                if (layer.ValueKind != JsonValueKind.Object || !layer.TryGetProperty("mediaType", out var type) || type.GetString() is not { } value
                    || value.StartsWith("application/vnd.oci.image.layer.", StringComparison.Ordinal)
                    || value.StartsWith("application/vnd.docker.image.rootfs.", StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return true;
        }
    }
}
