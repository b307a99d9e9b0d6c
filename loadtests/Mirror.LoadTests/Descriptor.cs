using System.Text.Json;

namespace Mirror.LoadTests;

/// <summary>An OCI content descriptor (the parts a puller needs): image-spec descriptor.md.</summary>
internal sealed record Descriptor(string MediaType, string Digest, long Size, string? Os, string? Architecture)
{
    public static Descriptor Read(JsonElement element)
    {
        string? os = null, architecture = null;
        if (element.TryGetProperty("platform", out var platform) && platform.ValueKind == JsonValueKind.Object)
        {
            os = platform.TryGetProperty("os", out var o) ? o.GetString() : null;
            architecture = platform.TryGetProperty("architecture", out var a) ? a.GetString() : null;
        }

        return new Descriptor(
            element.TryGetProperty("mediaType", out var mediaType) ? mediaType.GetString() ?? "" : "",
            element.GetProperty("digest").GetString() ?? throw new InvalidDataException("descriptor without digest"),
            element.GetProperty("size").GetInt64(),
            os,
            architecture);
    }
}
