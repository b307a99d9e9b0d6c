namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>Manifest requests as registry clients send them: with an <c>Accept</c> naming the types they take.</summary>
public static class ManifestRequest
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>A <paramref name="method"/> (default GET) of <paramref name="path"/> that accepts <paramref name="accept"/>.</summary>
    public static HttpRequestMessage Create(string path, string accept = OciManifest, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        return request;
    }

    /// <summary>GET <paramref name="path"/>, accepting <paramref name="accept"/> (the request is disposed with the response read).</summary>
    public static async Task<HttpResponseMessage> GetManifestAsync(this HttpClient client, string path, string accept = OciManifest)
    {
        using var request = Create(path, accept);
        return await client.SendAsync(request);
    }
}
