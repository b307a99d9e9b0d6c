using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Mirror.EndToEndTests;

/// <summary>
/// Signatures in front of a real OCI 1.0 registry (docker-registry 2.8 has no referrers API): images pushed with
/// umoci + skopeo, a signature-like artifact whose <c>subject</c> is the image and the fallback tag index pushed
/// over plain HTTP as cosign/oras do against such a registry. Through Mirror: the referrers API lists it (from the
/// fallback tag) and filters it; the deny list refuses a cached image; RequireReferrer refuses the unsigned image
/// and serves the signed one; with the upstream stopped, the list, the artifact and its blob are still served.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class SupplyChainTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    private const string SignatureType = "application/vnd.dev.cosign.artifact.sig.v1+json";
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";

    [Fact]
    public async Task Referrers_FallbackTag_Filtered_Policy_AndServedWithTheUpstreamStopped()
    {
        if (fixture.Mirror.Target != MirrorTarget.Mirror)
        {
            return; // the distribution proxy has neither the referrers API nor a pull policy
        }

        var steps = new StepLog(output, fixture.DescribeServers);
        using var folder = new TempDirectory("me2e-sc-", parent: fixture.Temp.Path);
        var upstream = await steps.RunAsync("own docker-registry upstream", () => UpstreamRegistry.StartAsync(folder.CreateSubdirectory("up"), CancellationToken.None));
        await using var upstreamLifetime = upstream;
        var builder = new TestImageBuilder(folder.CreateSubdirectory("images"), upstream, fixture.Skopeo);
        var app = await steps.RunAsync("umoci + skopeo: library/sc-app:1", () => builder.BuildAndPushAsync("library/sc-app", "1", [256 * 1024], CancellationToken.None));
        var denied = await steps.RunAsync("umoci + skopeo: library/sc-app:2", async () => await builder.PushAsync(await builder.BuildAsync("sc-app-2", [128 * 1024], CancellationToken.None), "library/sc-app", "2", CancellationToken.None));
        var signed = await steps.RunAsync("umoci + skopeo: library/sc-required:signed", async () => await builder.PushAsync(await builder.BuildAsync("sc-signed", [128 * 1024], CancellationToken.None), "library/sc-required", "signed", CancellationToken.None));
        var unsigned = await steps.RunAsync("umoci + skopeo: library/sc-required:unsigned", async () => await builder.PushAsync(await builder.BuildAsync("sc-unsigned", [128 * 1024], CancellationToken.None), "library/sc-required", "unsigned", CancellationToken.None));
        var signature = await steps.RunAsync("push a signature + its fallback tag for sc-app:1", () => SignAsync(upstream, app, "signature of sc-app:1"));
        var requiredSignature = await steps.RunAsync("push a signature + its fallback tag for sc-required:signed", () => SignAsync(upstream, signed, "signature of sc-required:signed"));

        var denyFile = Path.Combine(folder.Path, "denied.txt");
        await File.WriteAllTextAsync(denyFile, string.Empty);
        await using var mirror = await steps.RunAsync("mirror with a deny list and RequireReferrer on library/sc-required", () => MirrorProcess.StartServerAsync(
            [new MirrorUpstream("docker.io", upstream.BaseUri)], "docker.io", folder.CreateSubdirectory("mirror"),
            [
                "--Mirror:Upstreams:0:TagTtl=1s",
                $"--Mirror:Policy:DenyDigestsFile={denyFile}",
                "--Mirror:Policy:RequireReferrer:0:Repositories:0=library/sc-required",
                $"--Mirror:Policy:RequireReferrer:0:ArtifactType={SignatureType}",
            ],
            CancellationToken.None));
        var api = mirror.BaseUri;

        var listed = await steps.RunAsync("GET referrers of sc-app:1 through the mirror", () => ReferrersAsync(api, "library/sc-app", app.ManifestDigest, null));
        Assert.Equal([signature.Digest], listed.Digests);
        var filtered = await steps.RunAsync("… ?artifactType=cosign signature", () => ReferrersAsync(api, "library/sc-app", app.ManifestDigest, SignatureType));
        Assert.Equal([signature.Digest], filtered.Digests);
        Assert.Equal("artifactType", filtered.FiltersApplied);
        var other = await steps.RunAsync("… ?artifactType=spdx", () => ReferrersAsync(api, "library/sc-app", app.ManifestDigest, "application/spdx+json"));
        Assert.Empty(other.Digests);

        var artifact = await steps.RunAsync("skopeo inspect --raw the signature through the mirror", () =>
            fixture.Skopeo.RunAsync(["inspect", "--raw", "--tls-verify=false", "--no-creds", $"docker://{mirror.HostPort}/library/sc-app@{signature.Digest}"], CancellationToken.None));
        Assert.True(artifact.Succeeded, artifact.StandardError);
        Assert.Equal(signature.Digest, Sha256Digest.Of(artifact.StandardOutputBytes));
        Assert.Equal(signature.Payload, await GetStringAsync(api, $"/v2/library/sc-app/blobs/{signature.Blob}"));

        // RequireReferrer: the signed image is served, the unsigned one refused naming the policy and its digest.
        var signedPull = await steps.RunAsync("skopeo copy sc-required:signed", () =>
            fixture.Skopeo.RunAsync(["copy", "--src-tls-verify=false", "--src-no-creds", $"docker://{mirror.HostPort}/library/sc-required:signed", $"oci:{Path.Combine(folder.Path, "signed")}:x"], CancellationToken.None));
        Assert.True(signedPull.Succeeded, signedPull.StandardError);
        var unsignedPull = await steps.RunAsync("skopeo inspect sc-required:unsigned", () =>
            fixture.Skopeo.RunAsync(["inspect", "--raw", "--tls-verify=false", "--no-creds", $"docker://{mirror.HostPort}/library/sc-required:unsigned"], CancellationToken.None));
        Assert.False(unsignedPull.Succeeded, "an image without a signature must be refused");
        var evidence = await steps.RunAsync("skopeo inspect the signature itself (evidence, not an image)", () =>
            fixture.Skopeo.RunAsync(["inspect", "--raw", "--tls-verify=false", "--no-creds", $"docker://{mirror.HostPort}/library/sc-required@{requiredSignature.Digest}"], CancellationToken.None));
        Assert.True(evidence.Succeeded, evidence.StandardError);
        var refusal = await GetErrorAsync(api, $"/v2/library/sc-required/manifests/{unsigned.ManifestDigest}");
        Assert.Contains("DENIED", refusal);
        Assert.Contains("RequireReferrer", refusal);
        Assert.Contains(unsigned.ManifestDigest, refusal);

        // The deny list: sc-app:2 is cached first, then listed; the cached copy is refused too.
        var before = await steps.RunAsync("skopeo inspect sc-app:2 (cached)", () =>
            fixture.Skopeo.RunAsync(["inspect", "--raw", "--tls-verify=false", "--no-creds", $"docker://{mirror.HostPort}/library/sc-app:2"], CancellationToken.None));
        Assert.True(before.Succeeded, before.StandardError);
        await File.WriteAllTextAsync(denyFile, $"{denied.ManifestDigest} library/sc-app:2 CVE-2026-0001\n");
        File.SetLastWriteTimeUtc(denyFile, DateTime.UtcNow.AddSeconds(5));
        var denial = await steps.RunAsync("deny list written: sc-app:2 refused", async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var body = await GetErrorAsync(api, $"/v2/library/sc-app/manifests/{denied.ManifestDigest}");
                if (body.Contains("DENIED", StringComparison.Ordinal))
                {
                    return body;
                }

                await Task.Delay(200);
            }

            return "never refused";
        });
        Assert.Contains("DenyDigestsFile", denial);
        Assert.Contains(denied.ManifestDigest, denial);

        // Upstream stopped: the list (stale, TagTtl is 1 s), the artifact and its blob are still served.
        await steps.RunAsync("stop the upstream", () => upstream.KillAsync());
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var offline = await steps.RunAsync("GET referrers with the upstream stopped", () => ReferrersAsync(api, "library/sc-app", app.ManifestDigest, SignatureType));
        Assert.Equal([signature.Digest], offline.Digests);
        var offlineArtifact = await steps.RunAsync("skopeo inspect the signature with the upstream stopped", () =>
            fixture.Skopeo.RunAsync(["inspect", "--raw", "--tls-verify=false", "--no-creds", $"docker://{mirror.HostPort}/library/sc-app@{signature.Digest}"], CancellationToken.None));
        Assert.True(offlineArtifact.Succeeded, offlineArtifact.StandardError);
        Assert.Equal(signature.Payload, await GetStringAsync(api, $"/v2/library/sc-app/blobs/{signature.Blob}"));
        var stillSigned = await steps.RunAsync("skopeo inspect sc-required:signed with the upstream stopped", () =>
            fixture.Skopeo.RunAsync(["inspect", "--raw", "--tls-verify=false", "--no-creds", $"docker://{mirror.HostPort}/library/sc-required:signed"], CancellationToken.None));
        Assert.True(stillSigned.Succeeded, stillSigned.StandardError);
        steps.Total();
    }

    /// <summary>
    /// What cosign (OCI 1.1 mode) and oras push to a registry without the referrers API: the payload blob, an empty
    /// config, an artifact manifest naming the image as its subject (by digest), and the fallback tag
    /// <c>sha256-&lt;hex&gt;</c> — an index listing the artifacts.
    /// </summary>
    private static async Task<(string Digest, string Blob, string Payload)> SignAsync(UpstreamRegistry upstream, TestImage image, string payload)
    {
        var repository = image.Repository;
        var (subject, subjectBody) = await RegistryHttp.GetManifestAsync(upstream.BaseUri, repository, image.ManifestDigest, CancellationToken.None);
        var payloadBytes = Encoding.UTF8.GetBytes(payload);
        var blob = await BlobSeeder.UploadAsync(upstream.BaseUri, repository, payloadBytes, CancellationToken.None);
        var config = await BlobSeeder.UploadAsync(upstream.BaseUri, repository, "{}"u8.ToArray(), CancellationToken.None);
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["artifactType"] = SignatureType,
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.empty.v1+json", ["digest"] = config, ["size"] = 2 },
            ["layers"] = new JsonArray(new JsonObject { ["mediaType"] = "application/vnd.dev.cosign.simplesigning.v1+json", ["digest"] = blob, ["size"] = payloadBytes.Length }),
            ["subject"] = new JsonObject { ["mediaType"] = OciManifest, ["digest"] = subject, ["size"] = subjectBody.Length },
        }.ToJsonString());
        var digest = Sha256Digest.Of(manifest);
        await BlobSeeder.PutManifestAsync(upstream.BaseUri, repository, digest, manifest, OciManifest, CancellationToken.None);
        var index = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciIndex,
            ["manifests"] = new JsonArray(new JsonObject { ["mediaType"] = OciManifest, ["digest"] = digest, ["size"] = manifest.Length, ["artifactType"] = SignatureType }),
        }.ToJsonString());
        await BlobSeeder.PutManifestAsync(upstream.BaseUri, repository, subject.Replace(':', '-'), index, OciIndex, CancellationToken.None);
        return (digest, blob, payload);
    }

    private static async Task<(string[] Digests, string? FiltersApplied)> ReferrersAsync(Uri mirror, string repository, string subject, string? artifactType)
    {
        var query = artifactType is null ? string.Empty : "?artifactType=" + Uri.EscapeDataString(artifactType);
        using var response = await RawHttp.Client.GetAsync(new Uri(mirror, $"/v2/{repository}/referrers/{subject}{query}"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"referrers answered {(int)response.StatusCode}: {body}");
        Assert.Equal(OciIndex, response.Content.Headers.ContentType?.MediaType);
        var digests = JsonNode.Parse(body)!["manifests"]!.AsArray().Select(d => (string)d!["digest"]!).ToArray();
        return (digests, response.Headers.TryGetValues("OCI-Filters-Applied", out var applied) ? applied.Single() : null);
    }

    private static async Task<string> GetStringAsync(Uri mirror, string path)
    {
        using var response = await RawHttp.Client.GetAsync(new Uri(mirror, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> GetErrorAsync(Uri mirror, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(mirror, path));
        request.Headers.Accept.ParseAdd(OciManifest);
        using var response = await RawHttp.Client.SendAsync(request);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }
}
