namespace Mirror.EndToEndTests;

/// <summary>
/// One mirror for many registries (see <see cref="MultiUpstreamFixture"/> for the layout): containerd routes with
/// <c>?ns=</c>, podman with a path prefix, skopeo pushes through the mirror where pushing is allowed and is refused
/// where it is not, and a registry the mirror does not know is a clear 404.
/// </summary>
/// <remarks>Always against Mirror.Server: docker-registry's proxy mode (MIRROR_E2E_TARGET=distribution) mirrors one registry.</remarks>
[Collection(EndToEndCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class MultiUpstreamTests(MultiUpstreamFixture fixture, ITestOutputHelper output) : IClassFixture<MultiUpstreamFixture>
{
    private const string RegistryA = MultiUpstreamFixture.RegistryA;
    private const string RegistryB = MultiUpstreamFixture.RegistryB;
    private const string RegistryC = MultiUpstreamFixture.RegistryC;

    [Fact]
    public async Task CtrPull_ImagesOfTwoRegistries_RoutedByNsToEachUpstream()
    {
        const string Client = "containerd";
        const string Namespace = "e2e";
        var steps = new StepLog(output, fixture.DescribeServers);
        var directory = fixture.Temp.CreateSubdirectory("ct");
        var hostsDirectory = Path.Combine(directory, "certs.d");
        foreach (var registry in new[] { RegistryA, RegistryB })
        {
            // As on a real node: the server is the registry itself, the mirror a host tried first. The mirror's host
            // has no path, so the only thing that names the registry is containerd's ?ns=<registry>.
            Directory.CreateDirectory(Path.Combine(hostsDirectory, registry));
            await File.WriteAllTextAsync(Path.Combine(hostsDirectory, registry, "hosts.toml"), $"""
                server = "https://{registry}"

                [host."http://{fixture.Mirror.HostPort}"]
                  capabilities = ["pull", "resolve"]

                """);
        }

        await using var containerd = await steps.RunAsync("start containerd", () =>
            ContainerdDaemon.StartAsync(Path.Combine(directory, "d"), CancellationToken.None));

        foreach (var (registry, image, upstream) in new[] { (RegistryA, fixture.ImageOnA, fixture.UpstreamA), (RegistryB, fixture.ImageOnB, fixture.UpstreamB) })
        {
            var reference = $"{registry}/{image.Repository}:{image.Tag}";
            var pull = await steps.RunAsync($"ctr images pull {reference}", () =>
                containerd.CtrAsync(
                    Namespace,
                    ["images", "pull", "--hosts-dir", hostsDirectory, "--snapshotter", "native", reference],
                    CancellationToken.None));
            Assert.True(pull.Succeeded, $"ctr images pull {reference} failed:\n{pull.StandardOutput}\n{pull.StandardError}\n{fixture.DescribeServers()}");

            var digest = await containerd.ImageDigestAsync(Namespace, reference, CancellationToken.None);
            AssertNotDecoy(Client, reference, digest);
            DigestAssert.Matches(Client, image, digest);
            await UpstreamAssert.FetchedThroughMirrorAsync(upstream, Client, image);
        }

        steps.Total();
    }

    [Fact]
    public async Task PodmanPull_PathPrefixMirrorLocation_RoutedToBasicAuthUpstream()
    {
        const string Client = "podman";
        var steps = new StepLog(output, fixture.DescribeServers);
        var image = fixture.PodmanImageOnB;

        // The credentials are the mirror's alone: podman has none, and B refuses anonymous requests.
        using var probe = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.UpstreamB.BaseUri, "/v2/"));
        var anonymous = await RegistryHttp.SendAsync(probe, CancellationToken.None);
        Assert.True(anonymous.Status == 401, $"upstream B must refuse anonymous requests for this test to mean anything:\n{anonymous}");

        // containers/image puts the mirror location's path in front of the repository:
        // registry-b.test/library/y-podman:1 → GET 127.0.0.1:<mirror>/v2/registry-b.test/library/y-podman/manifests/1
        var podman = PodmanClient.Create(fixture.Temp.CreateSubdirectory("podman"), $"{fixture.Mirror.HostPort}/{RegistryB}", registry: RegistryB);
        var reference = $"{RegistryB}/{image.Repository}:{image.Tag}";
        var (digest, repoDigests) = await steps.RunAsync($"podman pull {reference}", () => podman.PullAsync(reference, CancellationToken.None));

        AssertNotDecoy(Client, reference, digest);
        DigestAssert.Matches(Client, image, digest);
        DigestAssert.Contains(Client, image, repoDigests);
        await UpstreamAssert.FetchedThroughMirrorAsync(fixture.UpstreamB, Client, image);
        steps.Total();
    }

    /// <summary>
    /// A whole push of a new image through the mirror (blob uploads: POST, PATCH, PUT; then the manifest PUT)
    /// reaches the upstream, and the image pulls back through the mirror.
    /// </summary>
    [Fact]
    public async Task SkopeoPush_NewImageThroughMirror_UploadsAndManifestReachUpstream()
    {
        const string Repository = "library/uploaded";
        var steps = new StepLog(output, fixture.DescribeServers);
        var image = fixture.Uploaded;
        var destination = $"{fixture.Mirror.HostPort}/{RegistryC}/{Repository}:1";

        await steps.RunAsync($"skopeo copy → {destination} (every blob new to the upstream)", () =>
            fixture.Skopeo.CopyAsync(image.SkopeoReference, $"docker://{destination}", ["--preserve-digests"], CancellationToken.None));
        await AssertUpstreamTagAsync(Repository, "1", image, "after pushing it through the mirror");

        var layout = Path.Combine(fixture.Temp.CreateSubdirectory("uploaded"), "layout");
        await steps.RunAsync($"skopeo copy {destination} → oci layout (pull it back through the mirror)", () =>
            fixture.Skopeo.CopyAsync($"docker://{destination}", $"oci:{layout}:x", ["--preserve-digests"], CancellationToken.None));
        AssertDigest(image, await OciLayout.DigestAsync(layout), $"{destination} pulled back into an OCI layout");
        steps.Total();
    }

    /// <summary>
    /// A manifest pushed through the mirror reaches the upstream, and the mirror forgets the tag it had cached at
    /// once. The control tag, changed upstream past the mirror, shows that the tag cache really holds for TagTtl
    /// (5 min), so nothing but the invalidation can explain the fresh answer.
    /// <code>
    ///   v1 ─straight─► C pushed:control      v1 ─skopeo via mirror (default route)─► C pushed:1
    ///   inspect both tags via the mirror (default route and registry-c.test/ prefix): v1, now cached
    ///   v2 ─straight─► C pushed:control      v2 ─skopeo via mirror (registry-c.test/ prefix)─► C pushed:1
    ///   inspect via the mirror: pushed:1 → v2 (invalidated)      pushed:control → still v1 (cached)
    /// </code>
    /// Each version goes straight to the upstream first, so its blobs are there when skopeo pushes it through the
    /// mirror: skopeo's HEADs find them, and only the manifest PUT goes through the pass-through. That keeps this test
    /// independent of blob uploads, which <see cref="SkopeoPush_NewImageThroughMirror_UploadsAndManifestReachUpstream"/> covers.
    /// </summary>
    [Fact]
    public async Task SkopeoPush_ManifestThroughMirror_ReachesUpstreamAndInvalidatesCachedTag()
    {
        const string Repository = "library/pushed";
        var steps = new StepLog(output, fixture.DescribeServers);
        var mirror = fixture.Mirror.HostPort;
        var skopeo = fixture.Skopeo;
        var (v1, v2) = (fixture.PushV1, fixture.PushV2);
        var byDefault = $"{mirror}/{Repository}";
        var byPrefix = $"{mirror}/{RegistryC}/{Repository}";
        steps.WriteLine($"v1 {v1.ManifestDigest}, v2 {v2.ManifestDigest}");

        await steps.RunAsync("skopeo copy v1 → C pushed:control (straight to the upstream)", () =>
            fixture.BuilderOfC.PushAsync(v1, Repository, "control", CancellationToken.None));
        await steps.RunAsync($"skopeo copy v1 → {byDefault}:1 (through the mirror, default upstream)", () =>
            skopeo.CopyAsync(v1.SkopeoReference, $"docker://{byDefault}:1", ["--preserve-digests"], CancellationToken.None));
        await AssertUpstreamTagAsync(Repository, "1", v1, "after pushing v1 through the mirror");

        foreach (var reference in new[] { $"{byDefault}:1", $"{byPrefix}:1", $"{byDefault}:control", $"{byPrefix}:control" })
        {
            var digest = await steps.RunAsync($"skopeo inspect --raw {reference} (caches the tag)", () =>
                skopeo.InspectDigestAsync(reference, CancellationToken.None));
            AssertDigest(v1, digest, $"{reference} before v2 was pushed");
        }

        await steps.RunAsync("skopeo copy v2 → C pushed:control (straight to the upstream)", () =>
            fixture.BuilderOfC.PushAsync(v2, Repository, "control", CancellationToken.None));
        await steps.RunAsync($"skopeo copy v2 → {byPrefix}:1 (through the mirror, registry prefix)", () =>
            skopeo.CopyAsync(v2.SkopeoReference, $"docker://{byPrefix}:1", ["--preserve-digests"], CancellationToken.None));
        await AssertUpstreamTagAsync(Repository, "1", v2, "after pushing v2 through the mirror");

        foreach (var reference in new[] { $"{byDefault}:1", $"{byPrefix}:1" })
        {
            var digest = await steps.RunAsync($"skopeo inspect --raw {reference} (right after the push)", () =>
                skopeo.InspectDigestAsync(reference, CancellationToken.None));
            AssertDigest(v2, digest,
                $"{reference} right after v2 was pushed through the mirror: the mirror must forget a tag pushed through it " +
                $"(v1 is {v1.ManifestDigest})");
        }

        foreach (var reference in new[] { $"{byDefault}:control", $"{byPrefix}:control" })
        {
            var digest = await steps.RunAsync($"skopeo inspect --raw {reference} (control: changed past the mirror)", () =>
                skopeo.InspectDigestAsync(reference, CancellationToken.None));
            AssertDigest(v1, digest,
                $"{reference}, changed upstream past the mirror within TagTtl: the mirror should still answer its cached v1. " +
                "If it answers v2, the tag cache is not holding, and this test cannot tell invalidation from revalidation");
        }

        var layout = Path.Combine(fixture.Temp.CreateSubdirectory("pulled"), "layout");
        await steps.RunAsync($"skopeo copy {byDefault}:1 → oci layout (the pushed image pulls whole)", () =>
            skopeo.CopyAsync($"docker://{byDefault}:1", $"oci:{layout}:x", ["--preserve-digests"], CancellationToken.None));
        AssertDigest(v2, await OciLayout.DigestAsync(layout), $"{byDefault}:1 pulled into an OCI layout");
        steps.Total();
    }

    [Fact]
    public async Task Push_ToRegistryWithoutAllowPush_Refused405Unsupported()
    {
        var steps = new StepLog(output, fixture.DescribeServers);
        var mirror = fixture.Mirror.HostPort;
        UpstreamRegistry[] refusing = [fixture.UpstreamA, fixture.UpstreamB];
        foreach (var upstream in refusing)
        {
            await upstream.WaitForQuietAsync(CancellationToken.None);
        }

        // The fixture seeded A and B by pushing to them directly: only what comes after this counts.
        var seen = refusing.ToDictionary(u => u, u => u.AccessLog().Count);

        var destination = $"docker://{mirror}/{RegistryA}/library/refused:1";
        var copy = await steps.RunAsync($"skopeo copy → {destination} (A: AllowPush off)", () =>
            fixture.Skopeo.TryCopyAsync(fixture.Refused.SkopeoReference, destination, ["--preserve-digests"], destinationCredentials: null, CancellationToken.None));
        steps.WriteLine($"skopeo said: {copy.StandardError.Trim()}");
        Assert.False(copy.Succeeded, $"skopeo pushed to {RegistryA} through the mirror, which does not allow pushes there.\n{copy.StandardError}");
        Assert.True(
            copy.StandardError.Contains("unsupported", StringComparison.OrdinalIgnoreCase),
            $"skopeo failed, but not with the mirror's UNSUPPORTED error:\n{copy.StandardError}\n{fixture.DescribeServers()}");

        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Mirror.BaseUri, $"/v2/{RegistryB}/library/y/blobs/uploads/"));
        var response = await steps.RunAsync($"POST /v2/{RegistryB}/library/y/blobs/uploads/ (B: AllowPush off)", () =>
            RegistryHttp.SendAsync(post, CancellationToken.None));
        steps.WriteLine(response.ToString());
        Assert.True(response.Status == 405, $"Expected 405 for an upload to a registry without AllowPush:\n{response}");
        Assert.True(response.OciErrors().Any(e => e.Code == "UNSUPPORTED"), $"Expected an OCI error with code UNSUPPORTED:\n{response}");

        // Refused by the mirror itself: neither upstream saw a write.
        foreach (var upstream in refusing)
        {
            await upstream.WaitForQuietAsync(CancellationToken.None);
            var writes = upstream.AccessLog().Skip(seen[upstream]).Where(e => e.Method is "POST" or "PUT" or "PATCH" or "DELETE").ToList();
            Assert.True(writes.Count == 0, $"{upstream.Name} received writes through a mirror that must refuse them: {string.Join("; ", writes)}");
        }

        steps.Total();
    }

    [Fact]
    public async Task GetManifest_UnknownNs_Returns404NameUnknownListingConfiguredRegistries()
    {
        var steps = new StepLog(output, fixture.DescribeServers);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Mirror.BaseUri, "/v2/library/x/manifests/1?ns=nope.example"));
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        var response = await steps.RunAsync("GET /v2/library/x/manifests/1?ns=nope.example", () => RegistryHttp.SendAsync(request, CancellationToken.None));
        steps.WriteLine(response.ToString());

        Assert.True(response.Status == 404, $"Expected 404 for a registry the mirror does not know:\n{response}");
        var messages = response.OciErrors().Where(e => e.Code == "NAME_UNKNOWN").Select(e => e.Message).ToList();
        Assert.True(messages.Count == 1, $"Expected one OCI error with code NAME_UNKNOWN:\n{response}");
        Assert.All(new[] { "nope.example", RegistryA, RegistryB, RegistryC }, name => Assert.True(
            messages[0].Contains(name, StringComparison.Ordinal),
            $"The NAME_UNKNOWN message should name the unknown registry and list the configured ones ({name} missing):\n{response}"));
        steps.Total();
    }

    /// <summary>The default upstream answered instead of the one the client named: say so, not just "wrong digest".</summary>
    private void AssertNotDecoy(string client, string reference, string digest) =>
        Assert.True(
            digest != fixture.DecoyDigest,
            $"{client} got {reference} as {digest}, the decoy that only the default upstream ({RegistryC}) holds: " +
            $"the mirror ignored the registry the client named.\n{fixture.DescribeServers()}");

    private static void AssertDigest(LayoutImage expected, string actual, string what) =>
        Assert.True(actual == expected.ManifestDigest, $"{what}: got {actual}, expected {expected.ManifestDigest}.");

    private async Task AssertUpstreamTagAsync(string repository, string tag, LayoutImage expected, string when)
    {
        var digest = await RegistryHttp.GetManifestDigestAsync(fixture.UpstreamC.BaseUri, repository, tag, CancellationToken.None);
        AssertDigest(expected, digest, $"upstream {RegistryC} {repository}:{tag} {when}");
    }
}
