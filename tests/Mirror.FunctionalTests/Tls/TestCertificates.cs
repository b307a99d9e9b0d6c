using System.Security.Cryptography.X509Certificates;

namespace Mirror.FunctionalTests.Tls;

/// <summary>A throwaway certificate authority and a server certificate for 127.0.0.1/localhost, written as PEM files.</summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly RSA _caKey = RSA.Create(2048);

    public TestCertificates(string directory)
    {
        Directory = directory;
        var request = new CertificateRequest("CN=Mirror test CA", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(CaPath, Authority.ExportCertificatePem());
    }

    public string Directory { get; }

    public X509Certificate2 Authority { get; }

    public string CaPath => Path.Combine(Directory, "ca.crt");

    public string CertificatePath => Path.Combine(Directory, "tls.crt");

    public string KeyPath => Path.Combine(Directory, "tls.key");

    /// <summary>Issues a server certificate (a new serial each time) and writes it over tls.crt / tls.key, as a renewal does.</summary>
    public X509Certificate2 IssueServerCertificate(string commonName)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        File.WriteAllText(KeyPath + ".new", key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(CertificatePath + ".new", issued.ExportCertificatePem());

        // Key then certificate, each by rename: a watcher never reads half a file.
        File.Move(KeyPath + ".new", KeyPath, overwrite: true);
        File.Move(CertificatePath + ".new", CertificatePath, overwrite: true);
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    /// <summary>A client that trusts only this CA (no insecure flag).</summary>
    public HttpClient CreateClient(Uri baseAddress, Action<X509Certificate2?>? seen = null)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is null)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            seen?.Invoke(leaf);
            return chain.Build(leaf);
        };
        handler.PooledConnectionLifetime = TimeSpan.Zero;
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30), DefaultRequestVersion = System.Net.HttpVersion.Version20 };
    }

    public void Dispose()
    {
        Authority.Dispose();
        _caKey.Dispose();
    }
}
