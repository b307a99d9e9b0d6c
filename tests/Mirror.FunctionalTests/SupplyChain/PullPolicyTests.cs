using Microsoft.Extensions.Logging;

namespace Mirror.FunctionalTests.SupplyChain;

/// <summary>Mirror:Policy: refusals are 403 DENIED naming the policy and the digest, for cached content and misses alike, and audited.</summary>
public sealed class PullPolicyTests() : MirrorWithUpstream(startMirror: false), IDisposable
{
    private const string Repository = "library/app";
    private readonly TempDirectory _files = new();
    private readonly CapturingLoggerProvider _logs = new();

    private string DenyFile => Path.Combine(_files.Path, "denied-digests.txt");

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task DenyDigestsFile_CachedManifest_RefusedOnceListed_ByTagAndDigest()
    {
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        File.WriteAllText(DenyFile, "# written by the scanner\n");
        await using var mirror = await StartAsync(new() { ["Mirror:Policy:DenyDigestsFile"] = DenyFile });
        using var client = mirror.CreateClient();
        using (var before = await client.GetManifestAsync($"/v2/{Repository}/manifests/1"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        File.WriteAllText(DenyFile, $"{image.Digest} CVE-2026-0001 critical\nnot-a-digest\n");
        File.SetLastWriteTimeUtc(DenyFile, DateTime.UtcNow.AddSeconds(5));
        for (var waited = 0; waited < 100 && (await client.GetManifestAsync($"/v2/{Repository}/manifests/1")).StatusCode != HttpStatusCode.Forbidden; waited++)
        {
            // The file is looked at again at most once a second.
            await Task.Delay(100);
        }

        using var byTag = await client.GetManifestAsync($"/v2/{Repository}/manifests/1");
        using var byDigest = await client.GetManifestAsync($"/v2/{Repository}/manifests/{image.Digest}");
        var error = await byTag.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, byTag.StatusCode);
        Assert.Contains("DENIED", error);
        Assert.Contains("DenyDigestsFile", error);
        Assert.Contains(image.Digest, error);
        Assert.Equal(HttpStatusCode.Forbidden, byDigest.StatusCode);
        var audit = _logs.Events.First(e => e.EventId == 8005);
        Assert.Equal("Mirror.Audit", audit.Category);
        Assert.Equal("DenyDigestsFile", audit.State["Policy"]);
        Assert.Equal(image.Digest, audit.State["Refused"]);
    }

    [Fact]
    public async Task DenyDigestsFile_Miss_RefusedAndStillNotServedFromCache()
    {
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        File.WriteAllText(DenyFile, image.Digest + "\n");
        await using var mirror = await StartAsync(new() { ["Mirror:Policy:DenyDigestsFile"] = DenyFile });
        using var client = mirror.CreateClient();

        using var miss = await client.GetManifestAsync($"/v2/{Repository}/manifests/1");
        using var again = await client.GetManifestAsync($"/v2/{Repository}/manifests/1");

        Assert.Equal(HttpStatusCode.Forbidden, miss.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
    }

    [Fact]
    public async Task DenyDigestsFile_PlatformManifestOfAnIndex_RefusedWhenTheClientAsksForIt()
    {
        var amd64 = Artifacts.Image(Upstream, Repository, null, "amd64");
        var arm64 = Artifacts.Image(Upstream, Repository, null, "arm64");
        Artifacts.Index(Upstream, Repository, "multi", (amd64.Digest, amd64.Size, "amd64"), (arm64.Digest, arm64.Size, "arm64"));
        File.WriteAllText(DenyFile, arm64.Digest + "\n");
        await using var mirror = await StartAsync(new() { ["Mirror:Policy:DenyDigestsFile"] = DenyFile });
        using var client = mirror.CreateClient();

        using var index = await client.GetManifestAsync($"/v2/{Repository}/manifests/multi", Artifacts.OciIndex);
        using var allowed = await client.GetManifestAsync($"/v2/{Repository}/manifests/{amd64.Digest}");
        using var denied = await client.GetManifestAsync($"/v2/{Repository}/manifests/{arm64.Digest}");

        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains(arm64.Digest, await denied.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DenyRepositories_ManifestsBlobsAndReferrers_RefusedBeforeTheUpstream()
    {
        var image = Artifacts.Image(Upstream, "team-x/app", "1", "a");
        var blob = Upstream.AddBlob([1, 2, 3]);
        await using var mirror = await StartAsync(new() { ["Mirror:Policy:DenyRepositories:0"] = "docker.io/team-x/**" });
        using var client = mirror.CreateClient();

        using var manifest = await client.GetManifestAsync("/v2/team-x/app/manifests/1");
        using var layer = await client.GetAsync($"/v2/team-x/app/blobs/{blob}");
        using var referrers = await client.GetAsync($"/v2/team-x/app/referrers/{image.Digest}");
        using var other = await client.GetManifestAsync($"/v2/{Repository}/manifests/{image.Digest}");

        Assert.Equal(HttpStatusCode.Forbidden, manifest.StatusCode);
        Assert.Contains("DenyRepositories", await manifest.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, layer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, referrers.StatusCode);
        Assert.Equal(0, Upstream.CountMatching("team-x"));
        Assert.NotEqual(HttpStatusCode.Forbidden, other.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RequireReferrer_UnsignedRefused_SignedServed(bool api)
    {
        Upstream.ReferrersApi = api;
        var unsigned = Artifacts.Image(Upstream, Repository, "unsigned", "u");
        var signedImage = Artifacts.Image(Upstream, Repository, "signed", "s");
        var signature = Artifacts.Referrer(Upstream, Repository, signedImage, Artifacts.Signature, "sig");
        var sbom = Artifacts.Referrer(Upstream, Repository, unsigned, Artifacts.Sbom, "only an sbom");
        Artifacts.FallbackTag(Upstream, Repository, signedImage.Digest, (signature.Digest, signature.Size, Artifacts.Signature));
        Artifacts.FallbackTag(Upstream, Repository, unsigned.Digest, (sbom.Digest, sbom.Size, Artifacts.Sbom));
        await using var mirror = await StartAsync(new()
        {
            ["Mirror:Policy:RequireReferrer:0:Repositories:0"] = "library/*",
            ["Mirror:Policy:RequireReferrer:0:ArtifactType"] = Artifacts.Signature,
        });
        using var client = mirror.CreateClient();

        using var refused = await client.GetManifestAsync($"/v2/{Repository}/manifests/unsigned");
        using var served = await client.GetManifestAsync($"/v2/{Repository}/manifests/signed");
        using var evidence = await client.GetManifestAsync($"/v2/{Repository}/manifests/{signature.Digest}");
        using var fallback = await client.GetManifestAsync($"/v2/{Repository}/manifests/{signedImage.Digest.Replace(':', '-')}", Artifacts.OciIndex);
        using var elsewhere = await client.GetManifestAsync($"/v2/other/app/manifests/{unsigned.Digest}");

        var error = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("RequireReferrer", error);
        Assert.Contains(unsigned.Digest, error);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.OK, evidence.StatusCode); // the signature itself is what a verifier reads
        Assert.Equal(HttpStatusCode.OK, fallback.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, elsewhere.StatusCode);
    }

    [Fact]
    public async Task RequireReferrer_SignedIndex_VouchesForItsPlatformManifests()
    {
        Upstream.ReferrersApi = true;
        var amd64 = Artifacts.Image(Upstream, Repository, null, "amd64");
        var index = Artifacts.Index(Upstream, Repository, "multi", (amd64.Digest, amd64.Size, "amd64"));
        Artifacts.Referrer(Upstream, Repository, index, Artifacts.Signature, "sig");
        var loose = Artifacts.Image(Upstream, Repository, null, "loose");
        await using var mirror = await StartAsync(new() { ["Mirror:Policy:RequireReferrer:0:ArtifactType"] = Artifacts.Signature });
        using var client = mirror.CreateClient();

        var arm64 = Artifacts.Image(Upstream, Repository, null, "arm64");
        Artifacts.Index(Upstream, Repository, "unsigned-multi", (arm64.Digest, arm64.Size, "arm64"));

        using var list = await client.GetManifestAsync($"/v2/{Repository}/manifests/multi", Artifacts.OciIndex);
        using var platform = await client.GetManifestAsync($"/v2/{Repository}/manifests/{amd64.Digest}");
        using var unsigned = await client.GetManifestAsync($"/v2/{Repository}/manifests/{loose.Digest}");
        using var unsignedList = await client.GetManifestAsync($"/v2/{Repository}/manifests/unsigned-multi", Artifacts.OciIndex);
        using var unsignedPlatform = await client.GetManifestAsync($"/v2/{Repository}/manifests/{arm64.Digest}");

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.OK, platform.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);

        // An unsigned index runs nothing and is served; the platform manifest the client then asks for is refused.
        Assert.Equal(HttpStatusCode.OK, unsignedList.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, unsignedPlatform.StatusCode);
    }

    [Fact]
    public async Task RequireReferrer_UpstreamDownAndNothingCached_FailsClosed()
    {
        var image = Artifacts.Image(Upstream, Repository, "1", "a");
        var cache = CacheFolder();
        await using (var before = await MirrorServer.StartAsync(Upstream.Url, cache))
        {
            using var warm = before.CreateClient();
            (await warm.GetManifestAsync($"/v2/{Repository}/manifests/{image.Digest}")).Dispose();
        }

        // The manifest is cached, its referrers never were, and the upstream is down.
        Upstream.ForcedStatus = 503;
        await using var mirror = await MirrorServer.StartAsync(Upstream.Url, cache, new Dictionary<string, string?> { ["Mirror:Policy:RequireReferrer:0:ArtifactType"] = Artifacts.Signature });
        using var client = mirror.CreateClient();
        using var response = await client.GetManifestAsync($"/v2/{Repository}/manifests/{image.Digest}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("could not be checked", await response.Content.ReadAsStringAsync());
    }

    private Task<MirrorServer> StartAsync(Dictionary<string, string?> settings) =>
        MirrorServer.StartAsync(Upstream.Url, CacheFolder(), settings, builder => builder.Logging.AddProvider(_logs));

    private string CacheFolder()
    {
        var folder = Path.Combine(_files.Path, "cache-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
