using System.Net;

namespace Mirror.EndToEndTests;

/// <summary>
/// The mirror closed to the world: a TLS endpoint with a test CA's certificate, htpasswd users and access rules, in
/// front of the real docker-registry upstream. skopeo verifies the certificate against the CA (no insecure flag),
/// is refused without credentials, pulls with them, and a pull-only user's push is refused with 403.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class EdgeAccessTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Tls_Htpasswd_Rules_SkopeoVerifiesTlsNeedsCredentialsAndPullOnlyUserCannotPush()
    {
        await using var edge = await StartAsync("me2e-edge-");
        if (edge is null)
        {
            return; // the distribution proxy target has none of this
        }

        var (steps, folder, certificates, mirror, hostPort) = (edge.Steps, edge.Folder, edge.Certificates, edge.Mirror, edge.HostPort);

        // skopeo with the CA in a cert dir and TLS verification on (its default): what a client configured right does.
        // Only ca.crt: containers/image reads *.key/*.cert in a cert dir as a client certificate pair.
        var certDir = folder.CreateSubdirectory("client-certs");
        File.Copy(certificates.CaPath, Path.Combine(certDir, "ca.crt"));
        var image = fixture.SharedImage;
        var reference = $"docker://{hostPort}/{image.Repository}:{image.Tag}";
        var anonymous = await steps.RunAsync("skopeo inspect without credentials", () =>
            fixture.Skopeo.RunAsync(["inspect", "--raw", "--cert-dir", certDir, "--no-creds", reference], CancellationToken.None));
        Assert.False(anonymous.Succeeded, "an anonymous pull must be refused");
        Assert.True(anonymous.StandardError.Contains("unauthorized", StringComparison.OrdinalIgnoreCase), anonymous.StandardError);

        var bob = await steps.RunAsync("skopeo inspect --creds bob (pull-only)", () =>
            fixture.Skopeo.RunAsync(["inspect", "--raw", "--cert-dir", certDir, "--creds", "bob:bob-pw", reference], CancellationToken.None));
        Assert.True(bob.Succeeded, bob.StandardError);
        Assert.Equal(image.ManifestDigest, Sha256Digest.Of(bob.StandardOutputBytes));

        var wrongCa = await steps.RunAsync("skopeo inspect without the CA", () =>
            fixture.Skopeo.RunAsync(["inspect", "--raw", "--creds", "bob:bob-pw", reference], CancellationToken.None));
        Assert.False(wrongCa.Succeeded, "TLS must be verified: without the CA the certificate is unknown");

        var layout = Path.Combine(folder.CreateSubdirectory("push-src"), "layout");
        await steps.RunAsync("skopeo copy the image into a local layout (bob)", () =>
            fixture.Skopeo.RunAsync(["copy", "--src-cert-dir", certDir, "--src-creds", "bob:bob-pw", reference, $"oci:{layout}:x"], CancellationToken.None).ContinueWith(t => t.Result.EnsureSuccess()));
        var bobPush = await steps.RunAsync("skopeo copy → mirror as bob (pull-only)", () =>
            fixture.Skopeo.RunAsync(["copy", "--dest-cert-dir", certDir, "--dest-creds", "bob:bob-pw", $"oci:{layout}:x", $"docker://{hostPort}/library/edge-pushed:1"], CancellationToken.None));
        Assert.False(bobPush.Succeeded, "a pull-only user's push must be refused");
        Assert.True(bobPush.StandardError.Contains("denied", StringComparison.OrdinalIgnoreCase), bobPush.StandardError);

        var alicePush = await steps.RunAsync("skopeo copy → mirror as alice (pull, push)", () =>
            fixture.Skopeo.RunAsync(["copy", "--dest-cert-dir", certDir, "--dest-creds", "alice:alice-pw", $"oci:{layout}:x", $"docker://{hostPort}/library/edge-pushed:1"], CancellationToken.None));
        Assert.True(alicePush.Succeeded, alicePush.StandardError + "\n" + mirror.Describe());
        steps.Total();
    }

    [Fact]
    public async Task Dockerd_LoginOverTls_PullsWithTheTokenFlowWrongPasswordRefused()
    {
        await using var edge = await StartAsync("me2e-edged-");
        if (edge is null)
        {
            return; // the distribution proxy target has none of this
        }

        var (steps, folder, certificates, mirror, hostPort) = (edge.Steps, edge.Folder, edge.Certificates, edge.Mirror, edge.HostPort);
        await using var docker = await steps.RunAsync("dockerd", () =>
            DockerDaemon.StartAsync(folder.CreateSubdirectory("d"), hostPort, CancellationToken.None));

        // Docker treats 127.0.0.0/8 as an insecure registry whatever certs.d says, so it does not verify the
        // certificate here (skopeo's test does); what this proves is docker login and the token flow over TLS.
        var image = fixture.SharedImage;
        var reference = $"{hostPort}/{image.Repository}:{image.Tag}";
        var anonymous = await steps.RunAsync("docker pull without login", () => docker.DockerAsync(["pull", reference], CancellationToken.None));
        Assert.False(anonymous.Succeeded, "an anonymous pull must be refused");

        var wrong = await steps.RunAsync("docker login with a wrong password", () =>
            docker.DockerAsync(["login", hostPort, "-u", "bob", "-p", "wrong"], CancellationToken.None));
        Assert.False(wrong.Succeeded, "a wrong password must not log in");

        var login = await steps.RunAsync("docker login bob", () => docker.DockerAsync(["login", hostPort, "-u", "bob", "-p", "bob-pw"], CancellationToken.None));
        Assert.True(login.Succeeded, login.StandardError + "\n" + mirror.Describe());

        var digests = await steps.RunAsync($"docker pull {reference}", () => docker.PullAsync(reference, CancellationToken.None));
        Assert.Contains(digests, d => d.EndsWith("@" + image.ManifestDigest, StringComparison.Ordinal));
        steps.Total();
    }

    [Fact]
    public async Task ContainerdAndPodman_VerifiedTlsWithCredentials_Pull()
    {
        await using var edge = await StartAsync("me2e-edgec-");
        if (edge is null)
        {
            return; // the distribution proxy target has none of this
        }

        var (steps, folder, certificates, mirror, hostPort) = (edge.Steps, edge.Folder, edge.Certificates, edge.Mirror, edge.HostPort);
        var image = fixture.SharedImage;
        var reference = $"{hostPort}/{image.Repository}:{image.Tag}";

        // containerd: hosts.toml with the CA (no skip_verify), credentials with --user.
        var hostsDir = folder.CreateSubdirectory("certs.d");
        Directory.CreateDirectory(Path.Combine(hostsDir, hostPort));
        await File.WriteAllTextAsync(Path.Combine(hostsDir, hostPort, "hosts.toml"), $"""
            server = "https://{hostPort}"
            [host."https://{hostPort}"]
              capabilities = ["pull", "resolve"]
              ca = "{certificates.CaPath}"
            """);
        await using var containerd = await steps.RunAsync("containerd", () => ContainerdDaemon.StartAsync(folder.CreateSubdirectory("c"), CancellationToken.None));
        var withoutCredentials = await steps.RunAsync("ctr pull without credentials", () =>
            containerd.CtrAsync("edge", ["images", "pull", "--hosts-dir", hostsDir, reference], CancellationToken.None));
        Assert.False(withoutCredentials.Succeeded, "an anonymous pull must be refused");
        var pulled = await steps.RunAsync("ctr pull --user bob (CA in hosts.toml)", () =>
            containerd.CtrAsync("edge", ["images", "pull", "--hosts-dir", hostsDir, "--user", "bob:bob-pw", reference], CancellationToken.None));
        Assert.True(pulled.Succeeded, pulled.StandardError + "\n" + mirror.Describe());
        Assert.Equal(image.ManifestDigest, await containerd.ImageDigestAsync("edge", reference, CancellationToken.None));

        // podman: the CA in a cert dir, TLS verified (its default for a registry not marked insecure).
        var certDir = folder.CreateSubdirectory("podman-certs");
        File.Copy(certificates.CaPath, Path.Combine(certDir, "ca.crt"));
        var podman = PodmanClient.Create(folder.CreateSubdirectory("p"), hostPort);
        var podmanPull = await steps.RunAsync("podman pull --creds bob --cert-dir", () =>
            podman.RunAsync(["pull", "--signature-policy", podman.SignaturePolicy, "--tls-verify=true", "--cert-dir", certDir, "--creds", "bob:bob-pw", reference], CancellationToken.None));
        Assert.True(podmanPull.Succeeded, podmanPull.StandardError);
        steps.Total();
    }

    /// <summary>A TLS mirror for one test (<see cref="StartEdgeMirrorAsync"/>) with what it was made from; null for the distribution target.</summary>
    private async Task<EdgeMirror?> StartAsync(string prefix)
    {
        if (fixture.Mirror.Target != MirrorTarget.Mirror)
        {
            return null;
        }

        var steps = new StepLog(output, fixture.DescribeServers);
        var folder = new TempDirectory(prefix, parent: fixture.Temp.Path);
        var certificates = new TestCertificates(folder.CreateSubdirectory("certs"));
        var (mirror, hostPort) = await StartEdgeMirrorAsync(steps, folder, certificates);
        return new EdgeMirror(steps, folder, certificates, mirror, hostPort);
    }

    private sealed record EdgeMirror(StepLog Steps, TempDirectory Folder, TestCertificates Certificates, BackgroundProcess Mirror, string HostPort) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Mirror.DisposeAsync();
            Certificates.Dispose();
            Folder.Dispose();
        }
    }

    /// <summary>
    /// Mirror.Server on a TLS endpoint (the test CA's certificate) with htpasswd users alice (pull, push) and bob
    /// (pull), in front of the fixture's docker-registry, answering /v2/ (with its challenge) before this returns.
    /// </summary>
    private async Task<(BackgroundProcess Mirror, string HostPort)> StartEdgeMirrorAsync(StepLog steps, TempDirectory folder, TestCertificates certificates)
    {
        certificates.IssueServerCertificate("mirror-edge");
        var htpasswd = Path.Combine(folder.Path, "htpasswd");
        foreach (var (user, password) in new[] { ("alice", "alice-pw"), ("bob", "bob-pw") })
        {
            var line = (await ProcessRunner.RunAsync(RequiredTool.Htpasswd.Resolve(), ["-B", "-b", "-n", user, password], cancellationToken: CancellationToken.None)).EnsureSuccess();
            await File.AppendAllTextAsync(htpasswd, line.StandardOutput.Trim() + "\n");
        }

        var port = FreePort.Next();
        var hostPort = $"127.0.0.1:{port}";
        var dll = MirrorProcess.FindServerDll();
        var mirror = BackgroundProcess.Start("mirror (TLS, htpasswd)", "dotnet",
        [
            dll,
            $"--Kestrel:Endpoints:Https:Url=https://{hostPort}",
            $"--Kestrel:Endpoints:Https:Certificate:Path={certificates.CertificatePath}",
            $"--Kestrel:Endpoints:Https:Certificate:KeyPath={certificates.KeyPath}",
            $"--Mirror:Cache:Directory={folder.CreateSubdirectory("cache")}",
            "--Mirror:Upstreams:0:Name=docker.io",
            $"--Mirror:Upstreams:0:Url={fixture.Upstream.BaseUri}",
            "--Mirror:Upstreams:0:AllowPush=true",
            $"--Mirror:Auth:Htpasswd={htpasswd}",
            "--Mirror:Access:Rules:0:Users:0=alice",
            "--Mirror:Access:Rules:0:Actions:0=pull",
            "--Mirror:Access:Rules:0:Actions:1=push",
            "--Mirror:Access:Rules:1:Users:0=bob",
            "--Mirror:Access:Rules:1:Actions:0=pull",
        ], new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production", ["ASPNETCORE_ENVIRONMENT"] = "Production" }, Path.GetDirectoryName(dll));

        using var https = certificates.CreateClient(new Uri($"https://{hostPort}"));
        await steps.RunAsync($"mirror answers /v2/ over TLS on {hostPort}", async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    using var probe = await https.GetAsync("/v2/");
                    Assert.Equal(HttpStatusCode.Unauthorized, probe.StatusCode); // no credentials: challenged
                    return;
                }
                catch (HttpRequestException) when (!mirror.HasExited)
                {
                    await Task.Delay(100);
                }
            }

            throw new TimeoutException(mirror.Describe());
        });

        return (mirror, hostPort);
    }
}
