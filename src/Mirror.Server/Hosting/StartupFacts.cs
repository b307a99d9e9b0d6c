using System.Globalization;
using Mirror.Configuration;

namespace Mirror.Server.Hosting;

/// <summary>
/// What the start-up summary says, each as one string so the json log format carries them as separate fields.
/// Built from the options only — passwords, tokens, and credentials inside URLs or the Redis string never appear.
/// </summary>
internal sealed record StartupFacts(
    string Version,
    string Urls,
    string CacheDirectory,
    string MaxDiskSize,
    string MaxMemorySize,
    string Upstreams,
    string DefaultUpstream,
    string MemoryTier,
    string Admin,
    string Metrics)
{
    public static StartupFacts From(MirrorOptions options, IEnumerable<string> urls)
    {
        var cache = options.Cache;
        var upstreams = options.Upstreams.Select(u => $"{u.Name} = {WithoutCredentials(u.EffectiveUrl)} ({Auth(u)}, {(u.AllowPush ? "push allowed" : "pull only")})");
        return new StartupFacts(
            Version: $"{BuildInfo.Version} (commit {BuildInfo.Commit ?? "unknown"})",
            Urls: string.Join(", ", urls),
            CacheDirectory: Path.GetFullPath(cache.Directory),
            MaxDiskSize: cache.MaxDiskBytes == 0 ? "unbounded" : Bytes(cache.MaxDiskBytes),
            MaxMemorySize: Bytes(cache.MaxMemorySize),
            Upstreams: string.Join("; ", upstreams),
            DefaultUpstream: options.DefaultUpstream,
            MemoryTier: cache.Redis is { Length: > 0 } redis ? $"in-process + Redis {RedisEndpoints(redis)}" : "in-process (Redis off)",
            Admin: options.Admin.Token is { Length: > 0 } ? "token required" : "loopback only",
            Metrics: !options.Metrics.Enabled ? "off" : options.Metrics.Port is { } port ? $"/metrics on port {port}" : "/metrics on the main port");
    }

    private static string Auth(UpstreamOptions upstream) => (upstream.ForwardClientAuthorization, upstream.Username is { Length: > 0 }) switch
    {
        (true, true) => "forward-client, else basic",
        (true, false) => "forward-client",
        (false, true) => "basic",
        _ => "anonymous",
    };

    private static string WithoutCredentials(Uri url) =>
        url.UserInfo.Length == 0 ? url.AbsoluteUri.TrimEnd('/') : new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri.AbsoluteUri.TrimEnd('/');

    /// <summary>The host:port parts of a StackExchange.Redis configuration string; its options (password=…) are left out.</summary>
    private static string RedisEndpoints(string configuration)
    {
        var endpoints = configuration.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(p => !p.Contains('='));
        return string.Join(", ", endpoints) is { Length: > 0 } list ? list : "(endpoints in options)";
    }

    /// <summary><c>64 MiB</c>, <c>50 GB</c>, else the exact bytes.</summary>
    private static string Bytes(long bytes)
    {
        string[] binary = ["KiB", "MiB", "GiB", "TiB", "PiB"];
        string[] decimals = ["KB", "MB", "GB", "TB", "PB"];
        for (var i = binary.Length - 1; i >= 0; i--)
        {
            var b = 1L << (10 * (i + 1));
            var d = (long)Math.Pow(1000, i + 1);
            if (bytes >= b && bytes % b == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{bytes / b} {binary[i]}");
            }

            if (bytes >= d && bytes % d == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{bytes / d} {decimals[i]}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
    }
}
