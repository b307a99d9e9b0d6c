using System.Text.Json.Nodes;
using Mirror.Oci;

namespace Mirror.FunctionalTests.SupplyChain;

/// <summary>Images, and artifacts that refer to them (signatures, SBOMs), pushed into a <see cref="FakeRegistry"/> as clients of OCI 1.1 registries do.</summary>
internal static class Artifacts
{
    public const string Signature = "application/vnd.dev.cosign.artifact.sig.v1+json";
    public const string Sbom = "application/spdx+json";
    public const string OciIndex = MediaTypes.OciIndex;

    /// <summary>An image manifest (config + one layer) under <paramref name="tag"/>; its digest and size.</summary>
    public static (string Digest, int Size) Image(FakeRegistry upstream, string repository, string? tag, string seed)
    {
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"{seed}\"}}");
        var layer = Encoding.UTF8.GetBytes($"layer of {seed}");
        var json = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", upstream.AddBlob(config), config.Length),
            ["layers"] = new JsonArray(Descriptor("application/vnd.oci.image.layer.v1.tar", upstream.AddBlob(layer), layer.Length)),
        }.ToJsonString();
        return (upstream.AddManifest(repository, tag, json, MediaTypes.OciManifest), Encoding.UTF8.GetByteCount(json));
    }

    /// <summary>An index of <paramref name="platforms"/> under <paramref name="tag"/>.</summary>
    public static (string Digest, int Size) Index(FakeRegistry upstream, string repository, string tag, params (string Digest, int Size, string Architecture)[] platforms)
    {
        var manifests = new JsonArray();
        foreach (var (digest, size, architecture) in platforms)
        {
            var entry = Descriptor(MediaTypes.OciManifest, digest, size);
            entry["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = architecture };
            manifests.Add(entry);
        }

        var json = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = OciIndex, ["manifests"] = manifests }.ToJsonString();
        return (upstream.AddManifest(repository, tag, json, OciIndex), Encoding.UTF8.GetByteCount(json));
    }

    /// <summary>
    /// An artifact of <paramref name="artifactType"/> whose subject is the given manifest, pushed by digest only (as
    /// cosign and notation push to an OCI 1.1 registry); its digest, size and payload blob digest.
    /// </summary>
    public static (string Digest, int Size, string Blob) Referrer(FakeRegistry upstream, string repository, (string Digest, int Size) subject, string artifactType, string payload)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        var blob = upstream.AddBlob(bytes);
        upstream.AddBlob("{}"u8.ToArray());
        var json = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["artifactType"] = artifactType,
            ["config"] = Descriptor("application/vnd.oci.empty.v1+json", Sha256Digest.Of("{}"u8.ToArray()), 2),
            ["layers"] = new JsonArray(Descriptor("application/octet-stream", blob, bytes.Length)),
            ["subject"] = Descriptor(MediaTypes.OciManifest, subject.Digest, subject.Size),
        }.ToJsonString();
        return (upstream.AddManifest(repository, null, json, MediaTypes.OciManifest), Encoding.UTF8.GetByteCount(json), blob);
    }

    /// <summary>
    /// The fallback tag <c>sha256-&lt;hex&gt;</c> a client of a 1.0 registry pushes beside the artifacts: an index
    /// listing them.
    /// </summary>
    public static void FallbackTag(FakeRegistry upstream, string repository, string subject, params (string Digest, int Size, string ArtifactType)[] referrers)
    {
        var manifests = new JsonArray();
        foreach (var (digest, size, type) in referrers)
        {
            var entry = Descriptor(MediaTypes.OciManifest, digest, size);
            entry["artifactType"] = type;
            manifests.Add(entry);
        }

        var json = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = OciIndex, ["manifests"] = manifests }.ToJsonString();
        upstream.AddManifest(repository, subject.Replace(':', '-'), json, OciIndex);
    }

    /// <summary>The digests a referrers answer lists, in order.</summary>
    public static async Task<string[]> ListedAsync(HttpResponseMessage response)
    {
        var index = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return [.. index["manifests"]!.AsArray().Select(d => (string)d!["digest"]!)];
    }

    private static JsonObject Descriptor(string mediaType, string digest, int size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };
}
