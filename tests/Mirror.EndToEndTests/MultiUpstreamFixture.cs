namespace Mirror.EndToEndTests;

/// <summary>
/// One Mirror.Server in front of three docker-registry upstreams, for <see cref="MultiUpstreamTests"/>. Its own
/// temp folder, registries and mirror, separate from <see cref="EndToEndFixture"/>'s (whose mirror may be
/// docker-registry's proxy mode, which has no multi-registry routing):
/// <code>
///                          ┌─ ?ns=registry-a.test / /v2/registry-a.test/… ─► A  anonymous, pull only
///   clients ──► mirror ────┼─ ?ns=registry-b.test / /v2/registry-b.test/… ─► B  htpasswd user (the mirror logs in), pull only
///                          └─ no registry named (DefaultUpstream) ─────────► C  anonymous, AllowPush, TagTtl 5 min
/// </code>
/// The registry names are routing keys only: every Url is 127.0.0.1:&lt;port&gt; and nothing resolves the names.
/// A holds <c>library/x:1</c>, B <c>library/y:1</c> and <c>library/y-podman:1</c>. C holds a decoy under each of those
/// names, so a request routed to the default instead of the registry it named gets the decoy's digest — a wrong
/// answer the digest check catches — rather than passing by luck.
/// </summary>
public sealed class MultiUpstreamFixture(IMessageSink diagnostics) : ProcessFixture(diagnostics, "multi-upstream")
{
    internal const string RegistryA = "registry-a.test";
    internal const string RegistryB = "registry-b.test";
    internal const string RegistryC = "registry-c.test";

    /// <summary>
    /// Set explicitly, not left to the default: the push test relies on a tag pushed past the mirror staying cached
    /// for the whole test, to show that only the mirror's invalidation can explain a fresh answer.
    /// </summary>
    private static readonly TimeSpan TagTtlOfC = TimeSpan.FromMinutes(5);


    /// <summary><see cref="RegistryA"/>: anonymous, pushes refused by the mirror.</summary>
    internal UpstreamRegistry UpstreamA { get; private set; } = null!;

    /// <summary><see cref="RegistryB"/>: basic auth; the mirror has the credentials, clients have none.</summary>
    internal UpstreamRegistry UpstreamB { get; private set; } = null!;

    /// <summary><see cref="RegistryC"/>: anonymous, the default upstream, pushes allowed.</summary>
    internal UpstreamRegistry UpstreamC { get; private set; } = null!;

    internal MirrorProcess Mirror { get; private set; } = null!;

    internal SkopeoClient Skopeo { get; private set; } = null!;

    /// <summary>Pushes straight to C, past the mirror.</summary>
    internal TestImageBuilder BuilderOfC { get; private set; } = null!;

    /// <summary><c>library/x:1</c> on A only (C has a decoy of that name).</summary>
    internal TestImage ImageOnA { get; private set; } = null!;

    /// <summary><c>library/y:1</c> on B only (C has a decoy of that name).</summary>
    internal TestImage ImageOnB { get; private set; } = null!;

    /// <summary><c>library/y-podman:1</c> on B, pulled by podman alone, so that pull is cold whatever the test order.</summary>
    internal TestImage PodmanImageOnB { get; private set; } = null!;

    /// <summary>The manifest digest of what C (the default upstream) holds under every name above.</summary>
    internal string DecoyDigest { get; private set; } = null!;

    /// <summary>Built, not pushed: the push test's first version of <c>library/pushed:1</c>.</summary>
    internal LayoutImage PushV1 { get; private set; } = null!;

    /// <summary>Built, not pushed: the push test's second version.</summary>
    internal LayoutImage PushV2 { get; private set; } = null!;

    /// <summary>Built, not pushed: what the refused-push test tries to push.</summary>
    internal LayoutImage Refused { get; private set; } = null!;

    /// <summary>Built, not pushed: blobs no registry has, for the whole-push test.</summary>
    internal LayoutImage Uploaded { get; private set; } = null!;

    private protected override void CheckTools()
    {
        _ = RequiredTool.DockerRegistry.Resolve();
        _ = RequiredTool.Skopeo.Resolve();
        _ = RequiredTool.Umoci.Resolve();
        _ = RequiredTool.Htpasswd.Resolve();
    }

    private protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        var a = UpstreamRegistry.StartAsync($"upstream {RegistryA}", Temp.CreateSubdirectory("a"), credentials: null, cancellationToken);
        var b = UpstreamRegistry.StartAsync($"upstream {RegistryB}", Temp.CreateSubdirectory("b"), new RegistryCredentials("e2e-user", "e2e-pass"), cancellationToken);
        var c = UpstreamRegistry.StartAsync($"upstream {RegistryC}", Temp.CreateSubdirectory("c"), credentials: null, cancellationToken);
        try
        {
            await Task.WhenAll(a, b, c);
        }
        finally
        {
            // Keep whichever did start, so the fixture stops it even when another failed.
            foreach (var registry in new[] { a, b, c }.Where(t => t.IsCompletedSuccessfully))
            {
                Started(registry.Result);
            }
        }

        (UpstreamA, UpstreamB, UpstreamC) = (a.Result, b.Result, c.Result);

        LogStep($"upstreams A {UpstreamA.HostPort}, B {UpstreamB.HostPort} (basic auth), C {UpstreamC.HostPort}");

        Skopeo = SkopeoClient.Create(Temp.CreateSubdirectory("skopeo"));
        var images = Temp.CreateSubdirectory("images");
        var builderOfA = new TestImageBuilder(Path.Combine(images, "a"), UpstreamA, Skopeo);
        var builderOfB = new TestImageBuilder(Path.Combine(images, "b"), UpstreamB, Skopeo);
        BuilderOfC = new TestImageBuilder(Path.Combine(images, "c"), UpstreamC, Skopeo);
        ImageOnA = await builderOfA.BuildAndPushAsync("library/x", "1", [512 * KiB, 256 * KiB], cancellationToken);
        ImageOnB = await builderOfB.BuildAndPushAsync("library/y", "1", [512 * KiB, 256 * KiB], cancellationToken);
        PodmanImageOnB = await builderOfB.BuildAndPushAsync("library/y-podman", "1", [512 * KiB, 256 * KiB], cancellationToken);
        var decoy = await BuilderOfC.BuildAsync("decoy", [128 * KiB], cancellationToken);
        foreach (var image in new[] { ImageOnA, ImageOnB, PodmanImageOnB })
        {
            DecoyDigest = (await BuilderOfC.PushAsync(decoy, image.Repository, image.Tag, cancellationToken)).ManifestDigest;
        }

        PushV1 = await BuilderOfC.BuildAsync("pushed-v1", [256 * KiB], cancellationToken);
        PushV2 = await BuilderOfC.BuildAsync("pushed-v2", [256 * KiB], cancellationToken);
        Refused = await BuilderOfC.BuildAsync("refused", [128 * KiB], cancellationToken);
        Uploaded = await BuilderOfC.BuildAsync("uploaded", [256 * KiB], cancellationToken);
        LogStep("built 8 images, pushed 6");

        Mirror = Started(await MirrorProcess.StartServerAsync(
            [
                new MirrorUpstream(RegistryA, UpstreamA.BaseUri),
                new MirrorUpstream(RegistryB, UpstreamB.BaseUri, UpstreamB.Credentials),
                new MirrorUpstream(RegistryC, UpstreamC.BaseUri, AllowPush: true, TagTtl: TagTtlOfC),
            ],
            defaultUpstream: RegistryC,
            Temp.CreateSubdirectory("mirror"),
            extraArguments: [],
            cancellationToken));
        LogStep($"multi-upstream mirror ready on {Mirror.HostPort}");
    }

    /// <summary>The mirror's and every upstream's recent log lines, for a failing test's output.</summary>
    internal string DescribeServers() =>
        string.Join("\n\n",
            Mirror?.Describe() ?? "mirror not started",
            UpstreamA?.Describe(15) ?? "upstream A not started",
            UpstreamB?.Describe(15) ?? "upstream B not started",
            UpstreamC?.Describe(15) ?? "upstream C not started");
}
