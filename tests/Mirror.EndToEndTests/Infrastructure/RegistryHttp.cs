using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>The few OCI Distribution API calls the harness makes itself (readiness, the upstream's digests).</summary>
internal static class RegistryHttp
{
    /// <summary>Every manifest type the test images use; the registry answers with the stored type unchanged.</summary>
    public static readonly string[] ManifestMediaTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    // No proxy: the tests must talk to 127.0.0.1 only, whatever HTTP_PROXY the CI environment sets.
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Polls GET /v2/ until it answers 200; fails early with the log if the server process dies.</summary>
    public static Task WaitForV2Async(Uri baseUri, BackgroundProcess server, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForV2Async(baseUri, server, timeout, credentials: null, cancellationToken);

    /// <summary>The same, for a registry with basic auth: GET /v2/ with <paramref name="credentials"/>.</summary>
    public static async Task WaitForV2Async(
        Uri baseUri, BackgroundProcess server, TimeSpan timeout, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var lastError = "no answer yet";
        while (stopwatch.Elapsed < timeout)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"{server.Name} exited before {baseUri}v2/ answered.\n{server.Describe()}");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "/v2/"));
                request.Headers.Authorization = credentials?.ToBasicHeader();
                using var response = await Client.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                lastError = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                lastError = e.Message;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException(
            $"{server.Name} did not answer 200 on {baseUri}v2/ within {timeout.TotalSeconds:F0}s (last: {lastError}).\n{server.Describe()}");
    }

    /// <summary>The digest of a manifest as the registry stores it: Docker-Content-Digest, else the sha256 of the body.</summary>
    public static async Task<string> GetManifestDigestAsync(Uri baseUri, string repository, string reference, CancellationToken cancellationToken)
    {
        var (digest, _) = await GetManifestAsync(baseUri, repository, reference, cancellationToken);
        return digest;
    }

    public static Task<(string Digest, byte[] Body)> GetManifestAsync(
        Uri baseUri, string repository, string reference, CancellationToken cancellationToken) =>
        GetManifestAsync(baseUri, repository, reference, credentials: null, cancellationToken);

    /// <summary>GET a manifest with every test media type accepted; <paramref name="credentials"/> for a registry with basic auth.</summary>
    public static async Task<(string Digest, byte[] Body)> GetManifestAsync(
        Uri baseUri, string repository, string reference, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, $"/v2/{repository}/manifests/{reference}"));
        request.Headers.Authorization = credentials?.ToBasicHeader();
        foreach (var mediaType in ManifestMediaTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }

        using var response = await Client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(
                $"GET {request.RequestUri} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        }

        var computed = Sha256Digest.Of(body);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } header && header != computed)
        {
            throw new InvalidOperationException($"{request.RequestUri}: Docker-Content-Digest {header} but the body hashes to {computed}.");
        }

        return (computed, body);
    }

    /// <summary>
    /// One raw request, for the tests that check an exact status, header or error body. Never follows redirects and
    /// never uses a proxy, so the answer is the server's own.
    /// </summary>
    public static async Task<RawResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await Client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Select(h => $"{h.Key}: {string.Join(", ", h.Value)}");
        return new RawResponse(
            $"{request.Method} {request.RequestUri}", (int)response.StatusCode, string.Join('\n', headers), System.Text.Encoding.UTF8.GetString(body));
    }
}
