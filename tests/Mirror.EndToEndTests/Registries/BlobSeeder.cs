using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Mirror.EndToEndTests.Registries;

/// <summary>Seeds a registry straight over HTTP (no umoci or skopeo): monolithic blob uploads and manifest PUTs.</summary>
internal static class BlobSeeder
{
    /// <summary>Random bytes (incompressible, unique) uploaded to <paramref name="registry"/>, reached through the mirror under <paramref name="route"/>.</summary>
    public static async Task<FaultBlob> UploadRandomAsync(Uri registry, string route, string repository, int size, CancellationToken cancellationToken)
    {
        var content = new byte[size];
        Random.Shared.NextBytes(content);
        var digest = await UploadAsync(registry, repository, content, cancellationToken);
        return new FaultBlob(route, repository, digest, content.Length);
    }

    /// <summary>Monolithic upload straight to the registry: POST, then PUT ?digest= with the bytes. Returns the digest.</summary>
    public static async Task<string> UploadAsync(Uri registry, string repository, byte[] content, CancellationToken cancellationToken)
    {
        var digest = Sha256Digest.Of(content);
        using var start = await RawHttp.Client.PostAsync(new Uri(registry, $"/v2/{repository}/blobs/uploads/"), content: null, cancellationToken);
        var location = start.StatusCode == HttpStatusCode.Accepted && start.Headers.Location is { } l
            ? (l.IsAbsoluteUri ? l : new Uri(registry, l))
            : throw new InvalidOperationException($"POST /v2/{repository}/blobs/uploads/ answered {(int)start.StatusCode}, expected 202 with a Location.");
        var separator = location.Query.Length > 0 ? "&" : "?";
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new("application/octet-stream");
        using var put = await RawHttp.Client.PutAsync(new Uri($"{location}{separator}digest={Uri.EscapeDataString(digest)}"), body, cancellationToken);
        if (put.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"PUT of {digest} to {repository} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return digest;
    }

    /// <summary>PUT /v2/&lt;repository&gt;/manifests/&lt;tag&gt;; the registry checks that the manifest's blobs exist, not what is in them.</summary>
    public static async Task PutManifestAsync(Uri registry, string repository, string tag, byte[] manifest, string mediaType, CancellationToken cancellationToken)
    {
        using var body = new ByteArrayContent(manifest);
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var put = await RawHttp.Client.PutAsync(new Uri(registry, $"/v2/{repository}/manifests/{tag}"), body, cancellationToken);
        if (put.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"PUT manifest {repository}:{tag} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>
    /// A minimal OCI image (config JSON + one random 1 MiB layer, reached through the mirror under
    /// <paramref name="route"/>) pushed to <paramref name="registry"/> with plain HTTP: two monolithic blob uploads and
    /// a manifest PUT. The registry checks that the manifest's blobs exist, not what is in them.
    /// </summary>
    public static async Task<SmallImage> PushSmallImageAsync(Uri registry, string route, string repository, string tag, CancellationToken cancellationToken)
    {
        var layer = new byte[1 * MiB];
        Random.Shared.NextBytes(layer);
        var layerDigest = await UploadAsync(registry, repository, layer, cancellationToken);
        var config = Encoding.UTF8.GetBytes(
            $$"""{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["{{layerDigest}}"]} }""");
        var configDigest = await UploadAsync(registry, repository, config, cancellationToken);
        var manifest = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{MirrorCrashFixture.OciManifest}}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{configDigest}}","size":{{config.Length}}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{layerDigest}}","size":{{layer.Length}}}]}""");
        await PutManifestAsync(registry, repository, tag, manifest, MirrorCrashFixture.OciManifest, cancellationToken);

        return new SmallImage(
            repository,
            tag,
            Sha256Digest.Of(manifest),
            manifest.Length,
            new FaultBlob(route, repository, layerDigest, layer.Length));
    }
}
