
namespace Mirror.FunctionalTests.Prewarm;

/// <summary>An OCI index with a linux/amd64 and a linux/arm64 image (a config and two layers each) in a fake registry.</summary>
internal sealed record MultiArchImage(IReadOnlyList<byte[]> Blobs, int ArmBlobs)
{
    public static MultiArchImage Add(FakeRegistry registry, string repository, string tag)
    {
        var blobs = new List<byte[]>();
        string Image(string architecture)
        {
            var config = System.Text.Encoding.UTF8.GetBytes($"{{\"architecture\":\"{architecture}\",\"os\":\"linux\"}}");
            var layers = new[] { RandomNumberGenerator.GetBytes(40_000), RandomNumberGenerator.GetBytes(70_000) };
            blobs.Add(config);
            blobs.AddRange(layers);
            registry.AddBlob(config);
            foreach (var layer in layers)
            {
                registry.AddBlob(layer);
            }

            var layerJson = string.Join(',', layers.Select(l => Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l)));
            var json = $"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{Descriptor("application/vnd.oci.image.config.v1+json", config)},\"layers\":[{layerJson}]}}";
            var digest = registry.AddManifest(repository, null, json);
            return $"{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{digest}\",\"size\":{json.Length},\"platform\":{{\"architecture\":\"{architecture}\",\"os\":\"linux\"}}}}";
        }

        var amd = Image("amd64");
        var arm = Image("arm64");
        registry.AddManifest(repository, tag, $"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{amd},{arm}]}}", "application/vnd.oci.image.index.v1+json");
        return new MultiArchImage(blobs, 3);
    }

    private static string Descriptor(string mediaType, byte[] content) =>
        $"{{\"mediaType\":\"{mediaType}\",\"digest\":\"{Sha256Digest.Of(content)}\",\"size\":{content.Length}}}";
}
