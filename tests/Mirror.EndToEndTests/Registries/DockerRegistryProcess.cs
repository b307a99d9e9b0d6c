using Mirror.EndToEndTests.Infrastructure;

namespace Mirror.EndToEndTests.Registries;

/// <summary>
/// <c>docker-registry serve</c> (CNCF distribution 2.8, Debian package docker-registry) on a free 127.0.0.1 port with
/// filesystem storage in its own folder. Plain mode is the upstream; with a remote URL it is distribution's own
/// pull-through cache, the peer the mirror is compared with.
/// </summary>
internal sealed class DockerRegistryProcess : IAsyncDisposable
{
    private const int StartAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private DockerRegistryProcess(BackgroundProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    public BackgroundProcess Process { get; }

    public int Port { get; }

    public string HostPort => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{HostPort}/");

    public static async Task<DockerRegistryProcess> StartAsync(
        string name, string directory, Uri? proxyRemoteUrl, CancellationToken cancellationToken)
    {
        var executable = RequiredTool.DockerRegistry.Resolve();
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var configPath = Path.Combine(directory, "config.yml");
            await File.WriteAllTextAsync(configPath, CreateConfig(directory, port, proxyRemoteUrl), cancellationToken);

            // REGISTRY_* variables override the config file: pin the address even if the environment exports another.
            var environment = new Dictionary<string, string> { ["REGISTRY_HTTP_ADDR"] = $"127.0.0.1:{port}" };
            var process = BackgroundProcess.Start(name, executable, ["serve", configPath], environment);
            try
            {
                await RegistryHttp.WaitForV2Async(new Uri($"http://127.0.0.1:{port}/"), process, StartTimeout, cancellationToken);
                return new DockerRegistryProcess(process, port);
            }
            catch (Exception) when (attempt < StartAttempts && process.HasExited
                && process.Lines().Any(l => l.Contains("address already in use", StringComparison.Ordinal)))
            {
                // Another process took the port between FreePort.Next() and the bind: try a new one.
                await process.DisposeAsync();
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static string CreateConfig(string directory, int port, Uri? proxyRemoteUrl)
    {
        var config = $"""
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: {Path.Combine(directory, "data")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """;
        return proxyRemoteUrl is null
            ? config + "\n"
            : config + $"""

            proxy:
              remoteurl: {proxyRemoteUrl.ToString().TrimEnd('/')}

            """;
    }
}
