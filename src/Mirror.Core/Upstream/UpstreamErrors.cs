using Mirror.Oci;

namespace Mirror.Upstream;

/// <summary>What a client is told when the upstream could not give us something.</summary>
internal static class UpstreamErrors
{
    public static OciError ToOciError(UpstreamStatus status, string? detail, OciError notFound) => status switch
    {
        UpstreamStatus.NotFound => notFound,
        UpstreamStatus.Unauthorized => new OciError(401, OciErrorCode.Unauthorized, detail ?? "upstream refused the mirror's credentials"),
        UpstreamStatus.Denied => new OciError(403, OciErrorCode.Denied, detail ?? "upstream denied access"),
        UpstreamStatus.TooManyRequests => new OciError(429, OciErrorCode.TooManyRequests, detail ?? "upstream is rate limiting the mirror"),
        UpstreamStatus.ServerError or UpstreamStatus.ClientError or UpstreamStatus.ForbiddenRedirect => new OciError(502, OciErrorCode.Unavailable, detail ?? "upstream error"),
        _ => new OciError(503, OciErrorCode.Unavailable, detail ?? "upstream unavailable"),
    };
}
