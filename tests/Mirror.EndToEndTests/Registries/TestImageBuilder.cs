using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mirror.EndToEndTests.Registries;

/// <summary>
/// Builds small random images without a container engine and pushes them to the upstream (with its credentials,
/// when it has any):
/// <code>
///   umoci init/new ──► per layer: unpack --rootless, write random file, repack ──► (umoci config --architecture)
///   ──► skopeo copy --preserve-digests oci:layout:tag docker://upstream/repo:tag
/// </code>
/// umoci writes a real OCI config (os linux, architecture, rootfs diff_ids), which Docker needs to accept the image.
/// Layers are random bytes, so gzip cannot shrink them and every image has distinct blobs.
/// </summary>
internal sealed class TestImageBuilder(string workDirectory, UpstreamRegistry upstream, SkopeoClient skopeo)
{
    private const string IndexMediaType = "application/vnd.oci.image.index.v1+json";
    private const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    private readonly string _umoci = RequiredTool.Umoci.Resolve();

    /// <summary>A single-platform (linux/amd64) image with one layer per entry of <paramref name="layerSizes"/>.</summary>
    public async Task<TestImage> BuildAndPushAsync(string repository, string tag, int[] layerSizes, CancellationToken cancellationToken)
    {
        var image = await BuildAsync(repository, layerSizes, cancellationToken);
        return await PushAsync(image, repository, tag, cancellationToken);
    }

    /// <summary>
    /// A single-platform image in an OCI layout only, for a test to push where it likes (through the mirror);
    /// <paramref name="name"/> names its folder, so it must be unique per builder.
    /// </summary>
    public async Task<LayoutImage> BuildAsync(string name, int[] layerSizes, CancellationToken cancellationToken)
    {
        var layout = CreateLayout(name);
        await UmociAsync(["init", "--layout", layout], cancellationToken);
        await BuildPlatformAsync(layout, "image", "amd64", layerSizes, cancellationToken);
        var layoutIndex = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json"), cancellationToken))!;
        var entry = layoutIndex["manifests"]!.AsArray().Single(e => (string?)e!["annotations"]?[RefNameAnnotation] == "image")!;
        return new LayoutImage(layout, "image", (string)entry["digest"]!);
    }

    /// <summary>Pushes a built image to the upstream as <paramref name="repository"/>:<paramref name="tag"/>.</summary>
    public Task<TestImage> PushAsync(LayoutImage image, string repository, string tag, CancellationToken cancellationToken) =>
        PushAsync(image.Layout, image.Tag, repository, tag, all: false, cancellationToken);

    /// <summary>An OCI index over linux/amd64 and linux/arm64 images, each with its own layers.</summary>
    public async Task<TestImage> BuildAndPushMultiArchAsync(string repository, string tag, int[] layerSizes, CancellationToken cancellationToken)
    {
        var layout = CreateLayout(repository);
        await UmociAsync(["init", "--layout", layout], cancellationToken);
        string[] architectures = ["amd64", "arm64"];
        foreach (var architecture in architectures)
        {
            await BuildPlatformAsync(layout, architecture, architecture, layerSizes, cancellationToken);
        }

        // umoci has no index command: write the index blob by hand and tag it in the layout's index.json.
        var indexJsonPath = Path.Combine(layout, "index.json");
        var layoutIndex = JsonNode.Parse(await File.ReadAllTextAsync(indexJsonPath, cancellationToken))!.AsObject();
        var entries = layoutIndex["manifests"]!.AsArray();
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = IndexMediaType,
            ["manifests"] = new JsonArray([.. architectures.Select(architecture =>
            {
                var entry = entries.Single(e => (string?)e!["annotations"]?[RefNameAnnotation] == architecture)!;
                return (JsonNode)new JsonObject
                {
                    ["mediaType"] = ManifestMediaType,
                    ["digest"] = (string)entry["digest"]!,
                    ["size"] = (long)entry["size"]!,
                    ["platform"] = new JsonObject { ["architecture"] = architecture, ["os"] = "linux" },
                };
            })]),
        };
        var indexBytes = JsonSerializer.SerializeToUtf8Bytes(index);
        var indexHex = Convert.ToHexStringLower(SHA256.HashData(indexBytes));
        await File.WriteAllBytesAsync(Path.Combine(layout, "blobs", "sha256", indexHex), indexBytes, cancellationToken);
        entries.Add(new JsonObject
        {
            ["mediaType"] = IndexMediaType,
            ["digest"] = "sha256:" + indexHex,
            ["size"] = indexBytes.Length,
            ["annotations"] = new JsonObject { [RefNameAnnotation] = "multi" },
        });
        await File.WriteAllTextAsync(indexJsonPath, layoutIndex.ToJsonString(), cancellationToken);

        return await PushAsync(layout, "multi", repository, tag, all: true, cancellationToken);
    }

    private string CreateLayout(string repository)
    {
        var directory = Path.Combine(workDirectory, repository.Replace('/', '_'));
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, "layout");
    }

    private async Task BuildPlatformAsync(string layout, string tag, string architecture, int[] layerSizes, CancellationToken cancellationToken)
    {
        var image = $"{layout}:{tag}";
        await UmociAsync(["new", "--image", image], cancellationToken);
        for (var i = 0; i < layerSizes.Length; i++)
        {
            var bundle = $"{layout}-{tag}-bundle";
            await UmociAsync(["unpack", "--rootless", "--image", image, bundle], cancellationToken);
            await WriteRandomFileAsync(Path.Combine(bundle, "rootfs", $"layer{i}.bin"), layerSizes[i], cancellationToken);
            await UmociAsync(["repack", "--image", image, bundle], cancellationToken);
            Directory.Delete(bundle, recursive: true);
        }

        // umoci new takes the platform of the machine it runs on; pin it so the index entries tell the truth.
        await UmociAsync(["config", "--image", image, "--os", "linux", "--architecture", architecture], cancellationToken);
    }

    private async Task<TestImage> PushAsync(string layout, string layoutTag, string repository, string tag, bool all, CancellationToken cancellationToken)
    {
        // --preserve-digests: skopeo must push the bytes umoci wrote, or fail — never silently convert.
        string[] options = all ? ["--all", "--preserve-digests"] : ["--preserve-digests"];
        await skopeo.CopyAsync($"oci:{layout}:{layoutTag}", $"docker://{upstream.HostPort}/{repository}:{tag}", options, upstream.Credentials, cancellationToken);

        var (digest, body) = await RegistryHttp.GetManifestAsync(upstream.BaseUri, repository, tag, upstream.Credentials, cancellationToken);
        var manifest = JsonNode.Parse(body)!;
        var isIndex = manifest["manifests"] is not null;
        var layers = new List<string>();
        if (isIndex)
        {
            foreach (var child in manifest["manifests"]!.AsArray())
            {
                var (_, childBody) = await RegistryHttp.GetManifestAsync(upstream.BaseUri, repository, (string)child!["digest"]!, upstream.Credentials, cancellationToken);
                layers.AddRange(LayerDigests(JsonNode.Parse(childBody)!));
            }
        }
        else
        {
            layers.AddRange(LayerDigests(manifest));
        }

        return new TestImage(repository, tag, digest, layers, isIndex);
    }

    private static IEnumerable<string> LayerDigests(JsonNode manifest) =>
        manifest["layers"]!.AsArray().Select(layer => (string)layer!["digest"]!);

    private static async Task WriteRandomFileAsync(string path, int size, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
        for (var written = 0; written < size; written += buffer.Length)
        {
            Random.Shared.NextBytes(buffer);
            await file.WriteAsync(buffer.AsMemory(0, Math.Min(buffer.Length, size - written)), cancellationToken);
        }
    }

    private Task<ProcessResult> UmociAsync(string[] arguments, CancellationToken cancellationToken) =>
        RunCheckedAsync(_umoci, arguments, cancellationToken);

    private static async Task<ProcessResult> RunCheckedAsync(string executable, string[] arguments, CancellationToken cancellationToken) =>
        (await ProcessRunner.RunAsync(executable, arguments, cancellationToken: cancellationToken)).EnsureSuccess();
}
