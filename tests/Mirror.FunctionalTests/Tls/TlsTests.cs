using System.Security.Cryptography.X509Certificates;

namespace Mirror.FunctionalTests.Tls;

/// <summary>
/// The real server on a Kestrel HTTPS endpoint with PEM certificate and key files: clients that trust the CA pull
/// over HTTP/2 without any insecure flag, and a certificate renewed on disk (cert-manager, Let's Encrypt) is served
/// to new connections without a restart.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Https_PemFiles_Http2AndRenewalWithoutRestart()
    {
        using var certificates = new TestCertificates(_folder.CreateSubdirectory("certs"));
        var first = certificates.IssueServerCertificate("mirror-first");
        var port = FreePort.Next();
        await using var server = await ServerProcess.StartAsync(_folder.Path, "[6001]",
            "--contentRoot", _folder.Path,
            "--Mirror:Cache:Directory=" + _folder.CreateSubdirectory("cache"),
            $"--Kestrel:Endpoints:Https:Url=https://127.0.0.1:{port}",
            "--Kestrel:Endpoints:Https:Certificate:Path=" + certificates.CertificatePath,
            "--Kestrel:Endpoints:Https:Certificate:KeyPath=" + certificates.KeyPath);
        X509Certificate2? seen = null;
        using var client = certificates.CreateClient(new Uri($"https://127.0.0.1:{port}"), c => seen = c);

        using var response = await client.GetAsync("/v2/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "registries are not browsers: no HSTS by default");
        Assert.Equal(first.SerialNumber, seen!.SerialNumber);

        var renewed = certificates.IssueServerCertificate("mirror-renewed");
        var servedRenewed = false;
        for (var i = 0; i < 100 && !servedRenewed; i++)
        {
            await Task.Delay(100);
            using var fresh = certificates.CreateClient(new Uri($"https://127.0.0.1:{port}"), c => seen = c);
            try
            {
                using var again = await fresh.GetAsync("/v2/");
                servedRenewed = again.StatusCode == HttpStatusCode.OK && seen!.SerialNumber == renewed.SerialNumber;
            }
            catch (HttpRequestException)
            {
                // Kestrel rebinds the endpoint to load the new certificate: a moment without a listener.
            }
        }

        Assert.True(servedRenewed, "the renewed certificate was not served within 10 s: " + server.Describe());
    }
}
