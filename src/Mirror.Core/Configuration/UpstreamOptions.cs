namespace Mirror.Configuration;

/// <summary>One <c>Mirror:Upstreams:&lt;i&gt;:</c> entry: a registry the mirror pulls from.</summary>
public sealed class UpstreamOptions
{
    public const string DockerHub = "docker.io";
    public const string DockerHubUrl = "https://registry-1.docker.io";

    /// <summary>The registry host clients name (<c>docker.io</c>, <c>ghcr.io</c>, <c>registry.k8s.io</c>): matched against <c>?ns=</c> and path prefixes.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Base URL of the registry API. Default <c>https://registry-1.docker.io</c> for docker.io, else <c>https://&lt;Name&gt;</c>.</summary>
    public string? Url { get; set; }

    /// <summary>Basic credentials, sent to the registry and to its token realm.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>A file holding the password (a mounted secret), read at start.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>How long a tag → digest answer is used before a HEAD revalidates it. Default 5 minutes.</summary>
    public TimeSpan TagTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long past its TTL a cached tag may still be served while the upstream fails. Default 24 hours.</summary>
    public TimeSpan MaxStale { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Whether pushes (uploads, manifest PUT, DELETE) are forwarded. Default false: 405 UNSUPPORTED.</summary>
    public bool AllowPush { get; set; }

    /// <summary>Prefer the client's own Authorization header over the configured credentials. Default false.</summary>
    public bool ForwardClientAuthorization { get; set; }

    /// <summary>Token realm hosts, besides the registry's own domain, that may receive the configured credentials.</summary>
    public List<string> TokenRealmAllowList { get; set; } = [];

    /// <summary>How long opening a connection may take before the upstream counts as unreachable. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for response headers once a request is sent. Default 30 s.</summary>
    public TimeSpan ResponseHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A body that sends no byte for this long is broken. Default 30 s.</summary>
    public TimeSpan BodyIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a blob download that breaks mid-body is resumed with a Range request. Default 3.</summary>
    public int MaxResumes { get; set; } = 3;

    /// <summary>The URL the mirror really uses: <see cref="Url"/>, or the default for <see cref="Name"/>.</summary>
    public Uri EffectiveUrl => new(Url is { Length: > 0 } url
        ? url.TrimEnd('/')
        : Name == DockerHub ? DockerHubUrl : "https://" + Name);
}
