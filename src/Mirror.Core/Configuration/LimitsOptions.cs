namespace Mirror.Configuration;

/// <summary>The <c>Mirror:Limits:</c> section: per-client limits (by user when authenticated, else by address).</summary>
public sealed class LimitsOptions
{
    /// <summary>Registry requests one client may make per second (a token bucket); 0 (the default) = unlimited.</summary>
    public int RequestsPerSecond { get; set; }

    /// <summary>Requests a client may make at once above <see cref="RequestsPerSecond"/> (the bucket's size); 0 = twice the rate.</summary>
    public int Burst { get; set; }

    /// <summary>Blob downloads one client may have running at once; 0 (the default) = unlimited.</summary>
    public int ConcurrentBlobStreams { get; set; }

    /// <summary>
    /// Proxies (IP addresses) whose <c>X-Forwarded-For</c> names the real client; from anywhere else the header is
    /// ignored, so a client cannot pick the address it is limited (or audited) as. Default none.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}
