namespace Mirror.Upstream;

/// <summary>How an upstream request ended, as the mirror acts on it (outcomes as values, not exceptions).</summary>
public enum UpstreamStatus
{
    /// <summary>2xx: content follows.</summary>
    Ok,

    /// <summary>404: the upstream does not have it.</summary>
    NotFound,

    /// <summary>401 after the auth flow: the mirror's credentials (or none) were refused.</summary>
    Unauthorized,

    /// <summary>403: authenticated, but not allowed.</summary>
    Denied,

    /// <summary>429: rate limited (Docker Hub's pull limit).</summary>
    TooManyRequests,

    /// <summary>Another 4xx the mirror cannot fix.</summary>
    ClientError,

    /// <summary>5xx.</summary>
    ServerError,

    /// <summary>No connection, DNS failure, TLS failure, broken response.</summary>
    Unreachable,

    /// <summary>No response headers within ResponseHeadersTimeout (or all attempts within RequestTimeout).</summary>
    Timeout,

    /// <summary>A redirect (or connection) to a target the redirect policy forbids: a file: URL, loopback, link-local…</summary>
    ForbiddenRedirect,
}
