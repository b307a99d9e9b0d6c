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
        if (fixture.Mirror.Target != MirrorTarget.Mirror)
        {
            return; // the distribution proxy target has none of this
        }

        var steps = new StepLog(output, fixture.DescribeServers);
        using var folder = new TempDirectory("me2e-edge-", parent: fixture.Temp.Path);
        using var certificates = new TestCertificates(folder.CreateSubdirectory("certs"));
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
        await using var mirror = BackgroundProcess.Start("mirror (TLS, htpasswd)", "dotnet",
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
}
