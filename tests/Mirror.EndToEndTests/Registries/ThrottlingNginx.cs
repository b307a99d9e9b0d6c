namespace Mirror.EndToEndTests.Registries;

/// <summary>
/// nginx as a rate-limited reverse proxy in front of the upstream, for the fault tests: it makes a 24 MiB blob take
/// seconds (<c>limit_rate</c>, per connection), and it can be killed, restarted on the same port, or frozen mid-body:
/// <code>
///   mirror ──► ThrottlingNginx (127.0.0.1:port, limit_rate) ──► UpstreamRegistry
///                 KillAsync: SIGKILL, the kernel closes the mirror's connection mid-body; port refuses until RestartAsync
///                 Freeze/Thaw: SIGSTOP/SIGCONT, the connection stays open and silent (and new ones queue in the backlog)
/// </code>
/// <c>limit_rate</c> needs <c>proxy_buffering on</c> (nginx ignores it for unbuffered proxying); with
/// <c>proxy_max_temp_file_size 0</c> nginx buffers only a few KiB, so the upstream's response is paced too.
/// One process (<c>master_process off</c>), so SIGKILL/SIGSTOP reach the process that holds the connections. Its
/// access log (on stdout, prefixed <c>access:</c>) shows each request's Range header, which the upstream's own access
/// log does not. A request that was cut by a kill is never logged by nginx; the upstream logs it.
/// </summary>
internal sealed class ThrottlingNginx : IAsyncDisposable
{
    private const string AccessPrefix = "access: ";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly string _directory;
    private readonly string _configPath;
    private readonly List<BackgroundProcess> _earlierRuns = [];
    private BackgroundProcess _process;

    private ThrottlingNginx(string directory, string configPath, int port, BackgroundProcess process)
    {
        _directory = directory;
        _configPath = configPath;
        Port = port;
        _process = process;
    }

    public int Port { get; }

    public string HostPort => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{HostPort}/");

    /// <summary>False between <see cref="KillAsync"/> and <see cref="RestartAsync"/>.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <param name="directory">Config, temp folders.</param>
    /// <param name="target">What it proxies (the upstream registry).</param>
    /// <param name="rate">nginx <c>limit_rate</c> per connection, e.g. <c>8m</c> (bytes per second, m = MiB).</param>
    /// <param name="cancellationToken">Aborts the start.</param>
    public static async Task<ThrottlingNginx> StartAsync(string directory, Uri target, string rate, CancellationToken cancellationToken)
    {
        _ = RequiredTool.Nginx.Resolve();
        var port = FreePort.Next();
        var configPath = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configPath, CreateConfig(directory, port, target, rate), cancellationToken);
        var process = await StartProcessAsync(directory, configPath, port, cancellationToken);
        return new ThrottlingNginx(directory, configPath, port, process);
    }

    /// <summary>
    /// nginx as the round-robin load balancer in front of a cluster's nodes (no rate limit, unbuffered, so a client
    /// streams from a node as it sends). A node that refuses connections is skipped (<c>proxy_next_upstream</c>); the
    /// peer route is not reachable through it (404), as in deploy/nginx/mirror-lb.conf.
    /// </summary>
    public static async Task<ThrottlingNginx> StartBalancerAsync(string directory, IReadOnlyList<Uri> nodes, CancellationToken cancellationToken)
    {
        _ = RequiredTool.Nginx.Resolve();
        var port = FreePort.Next();
        var configPath = Path.Combine(directory, "nginx.conf");
        var servers = string.Join("\n", nodes.Select(n => $"    server {n.Host}:{n.Port} max_fails=1 fail_timeout=5s;"));
        var location = """
                  location /_mirror/ { return 404; }
                  location / {
                    proxy_pass http://nodes;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $http_host;
                    proxy_buffering off;
                    proxy_request_buffering off;
                    proxy_next_upstream error timeout;
                    proxy_connect_timeout 1s;
                  }
            """;
        await File.WriteAllTextAsync(configPath, CreateConfig(directory, port, $"upstream nodes {{\n{servers}\n    keepalive 64;\n  }}", location), cancellationToken);
        var process = await StartProcessAsync(directory, configPath, port, cancellationToken);
        return new ThrottlingNginx(directory, configPath, port, process);
    }

    /// <summary>SIGKILL: in-flight responses end mid-body (the kernel closes the sockets), the port refuses connections.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>The same config on the same port, after <see cref="KillAsync"/> (a no-op while it runs).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            return;
        }

        var next = await StartProcessAsync(_directory, _configPath, Port, cancellationToken);
        _earlierRuns.Add(_process);
        _process = next;
    }

    /// <summary>SIGSTOP: every connection stays open and silent; new connections complete in the kernel and wait.</summary>
    public void Freeze()
    {
        if (!NativeSignals.TryFreeze(_process.Id))
        {
            throw new InvalidOperationException($"SIGSTOP to nginx (pid {_process.Id}) failed.");
        }
    }

    /// <summary>SIGCONT: back to work, and it serves what queued up while frozen.</summary>
    public void Thaw()
    {
        if (IsRunning)
        {
            NativeSignals.TryThaw(_process.Id);
        }
    }

    /// <summary>nginx's access-log lines so far (across restarts): <c>GET /v2/… HTTP/1.1 206 123 range="bytes=5-"</c>.</summary>
    public IReadOnlyList<string> AccessLog() =>
        [.. _earlierRuns.Append(_process).SelectMany(p => p.Lines())
            .Where(l => l.StartsWith(AccessPrefix, StringComparison.Ordinal))
            .Select(l => l[AccessPrefix.Length..])];

    public string Describe(int maxLines = 20) => _process.Describe(maxLines);

    public async ValueTask DisposeAsync()
    {
        // A frozen process keeps SIGTERM pending until it is continued.
        Thaw();

        foreach (var run in _earlierRuns.Append(_process))
        {
            await run.DisposeAsync();
        }
    }

    private static async Task<BackgroundProcess> StartProcessAsync(string directory, string configPath, int port, CancellationToken cancellationToken)
    {
        const int Attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            // -p: relative paths under our folder; -e: errors to stderr from the very start (before the config is read,
            // nginx would otherwise open /var/log/nginx/error.log).
            var process = BackgroundProcess.Start(
                "nginx (limit_rate)", RequiredTool.Nginx.Resolve(), ["-p", directory + "/", "-e", "stderr", "-c", configPath]);
            try
            {
                await RegistryHttp.WaitForV2Async(new Uri($"http://127.0.0.1:{port}/"), process, StartTimeout, cancellationToken);
                return process;
            }
            catch (Exception) when (attempt < Attempts && process.HasExited
                && process.Lines().Any(l => l.Contains("Address already in use", StringComparison.Ordinal)))
            {
                // The port of the killed run may be held for a moment: same port, a little later.
                await process.DisposeAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    private static string CreateConfig(string directory, int port, Uri target, string rate) =>
        CreateConfig(directory, port, string.Empty, $$"""
                location / {
                  proxy_pass http://{{target.Host}}:{{target.Port}};
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_set_header Host $http_host;
                  # limit_rate is ignored for unbuffered proxying (proxy_buffering off: 24 MiB in 0.1 s on nginx
                  # 1.22). Buffering on, but only in memory: no temp file, so the upstream is held back too and a
                  # kill cuts its response mid-body as well.
                  proxy_buffering on;
                  proxy_max_temp_file_size 0;
                  limit_rate {{rate}};
                }
            """);

    private static string CreateConfig(string directory, int port, string upstreams, string locations)
    {
        var temp = Directory.CreateDirectory(Path.Combine(directory, "tmp")).FullName;
        return $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            error_log stderr notice;
            pid {{Path.Combine(directory, "nginx.pid")}};
            events { worker_connections 256; }
            http {
              log_format fault '{{AccessPrefix}}$request $status $body_bytes_sent range="$http_range"';
              access_log /dev/stdout fault;
              client_body_temp_path {{temp}}/body;
              proxy_temp_path {{temp}}/proxy;
              fastcgi_temp_path {{temp}}/fastcgi;
              uwsgi_temp_path {{temp}}/uwsgi;
              scgi_temp_path {{temp}}/scgi;
              {{upstreams}}
              server {
                listen 127.0.0.1:{{port}};
            {{locations}}
              }
            }

            """;
    }
}
