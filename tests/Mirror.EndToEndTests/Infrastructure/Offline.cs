namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>
/// Environment for client programs that keeps them on 127.0.0.1 even when they fall back: Docker retries a failed
/// mirror against registry-1.docker.io, containerd's hosts.toml names it as the server. All of them are Go programs
/// honouring HTTP(S)_PROXY, so a proxy on a closed loopback port turns any such fallback into an immediate
/// "connection refused" instead of a DNS lookup or a connection leaving the machine. Go never proxies loopback
/// addresses, so traffic to the mirror is unaffected.
/// </summary>
internal static class Offline
{
    // Port 9 (discard) on loopback: nothing listens there on a CI machine.
    private const string DeadProxy = "http://127.0.0.1:9";

    public static Dictionary<string, string> Environment(IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["HTTP_PROXY"] = DeadProxy,
            ["HTTPS_PROXY"] = DeadProxy,
            ["http_proxy"] = DeadProxy,
            ["https_proxy"] = DeadProxy,
            ["NO_PROXY"] = "127.0.0.1,localhost",
            ["no_proxy"] = "127.0.0.1,localhost",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return environment;
    }
}
