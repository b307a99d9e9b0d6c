using System.Text.Json;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>What <c>skopeo copy … oci:&lt;layout&gt;:x</c> wrote.</summary>
internal static class OciLayout
{
    /// <summary>The digest skopeo wrote into the OCI layout's index.json for the copied image.</summary>
    public static async Task<string> DigestAsync(string layout)
    {
        await using var stream = File.OpenRead(Path.Combine(layout, "index.json"));
        using var index = await JsonDocument.ParseAsync(stream);
        return index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString() ?? string.Empty;
    }
}
