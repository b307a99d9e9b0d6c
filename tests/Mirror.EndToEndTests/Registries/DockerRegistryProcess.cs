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

    public static Task<DockerRegistryProcess> StartAsync(
        string name, string directory, Uri? proxyRemoteUrl, CancellationToken cancellationToken) =>
        StartAsync(name, directory, proxyRemoteUrl, basicAuth: null, cancellationToken);

    /// <param name="name">For logs and messages.</param>
    /// <param name="directory">Config, storage and (with <paramref name="basicAuth"/>) the htpasswd file.</param>
    /// <param name="proxyRemoteUrl">Proxy mode (distribution's pull-through cache) for this remote; null for a plain registry.</param>
    /// <param name="basicAuth">The one user the registry accepts, through htpasswd basic auth; null for anonymous access.</param>
    /// <param name="cancellationToken">Aborts the start.</param>
    public static Task<DockerRegistryProcess> StartAsync(
        string name, string directory, Uri? proxyRemoteUrl, RegistryCredentials? basicAuth, CancellationToken cancellationToken) =>
        StartAsync(name, directory, proxyRemoteUrl, basicAuth, fixedPort: null, cancellationToken);

    /// <summary>
    /// The same, on <paramref name="fixedPort"/> when given: a registry restarted after a crash comes back where its
    /// clients (the mirror) expect it, with the same storage. A port still held is retried on the same number.
    /// </summary>
    /// <param name="name">For logs and messages.</param>
    /// <param name="directory">Config, storage and (with <paramref name="basicAuth"/>) the htpasswd file.</param>
    /// <param name="proxyRemoteUrl">Proxy mode (distribution's pull-through cache) for this remote; null for a plain registry.</param>
    /// <param name="basicAuth">The one user the registry accepts, through htpasswd basic auth; null for anonymous access.</param>
    /// <param name="fixedPort">The port to listen on; null for a free one.</param>
    /// <param name="cancellationToken">Aborts the start.</param>
    public static async Task<DockerRegistryProcess> StartAsync(
        string name, string directory, Uri? proxyRemoteUrl, RegistryCredentials? basicAuth, int? fixedPort, CancellationToken cancellationToken)
    {
        var executable = RequiredTool.DockerRegistry.Resolve();
        var htpasswd = basicAuth is null ? null : await WriteHtpasswdAsync(directory, basicAuth, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var port = fixedPort ?? FreePort.Next();
            var configPath = Path.Combine(directory, "config.yml");
            await File.WriteAllTextAsync(configPath, CreateConfig(directory, port, proxyRemoteUrl, htpasswd), cancellationToken);

            // REGISTRY_* variables override the config file: pin the address even if the environment exports another.
            var environment = new Dictionary<string, string> { ["REGISTRY_HTTP_ADDR"] = $"127.0.0.1:{port}" };
            var process = BackgroundProcess.Start(name, executable, ["serve", configPath], environment);
            try
            {
                await RegistryHttp.WaitForV2Async(new Uri($"http://127.0.0.1:{port}/"), process, StartTimeout, basicAuth, cancellationToken);
                return new DockerRegistryProcess(process, port);
            }
            catch (Exception) when (attempt < StartAttempts && process.HasExited
                && process.Lines().Any(l => l.Contains("address already in use", StringComparison.Ordinal)))
            {
                // Another process took the port between FreePort.Next() and the bind: try a new one. A fixed port
                // (a restart) may still be held for a moment by the process that just died: try it again shortly.
                await process.DisposeAsync();
                if (fixedPort is not null)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
                }
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    /// <summary>
    /// <c>htpasswd -Bbn</c> (apache2-utils): docker-registry accepts bcrypt entries only, and .NET has no bcrypt.
    /// </summary>
    private static async Task<string> WriteHtpasswdAsync(string directory, RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        var result = (await ProcessRunner.RunAsync(
            RequiredTool.Htpasswd.Resolve(), ["-B", "-b", "-n", credentials.Username, credentials.Password], cancellationToken: cancellationToken))
            .EnsureSuccess();
        var path = Path.Combine(directory, "htpasswd");
        await File.WriteAllTextAsync(path, result.StandardOutput.Trim() + "\n", cancellationToken);
        return path;
    }

    private static string CreateConfig(string directory, int port, Uri? proxyRemoteUrl, string? htpasswd)
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
        if (htpasswd is not null)
        {
            config += $"""

            auth:
              htpasswd:
                realm: test
                path: {htpasswd}
            """;
        }

        return proxyRemoteUrl is null
            ? config + "\n"
            : config + $"""

            proxy:
              remoteurl: {proxyRemoteUrl.ToString().TrimEnd('/')}

            """;
    }
}
