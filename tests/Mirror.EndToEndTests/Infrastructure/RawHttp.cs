namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>
/// The client for the tests' own requests (raw GETs through the mirror, seeding a registry): no proxy (the tests talk
/// to 127.0.0.1 only, whatever HTTP_PROXY the CI sets), no redirects, and no timeout shorter than a stalled body.
/// </summary>
internal static class RawHttp
{
    public static HttpClient Client { get; } = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };
}
