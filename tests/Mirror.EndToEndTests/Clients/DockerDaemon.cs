using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mirror.EndToEndTests.Clients;

/// <summary>
/// A private dockerd whose only registry mirror is the mirror under test (the <c>registry-mirrors</c> setting).
/// Everything lives in one short folder (unix socket paths are limited to 108 bytes):
/// <code>
///   &lt;dir&gt;/daemon.json  root/  exec/  sock  pid  cli/ (DOCKER_CONFIG)  containerd/ (its own containerd)
/// </code>
/// vfs storage, no bridge, no iptables: nothing touches the host's network or needs overlayfs. Docker sends docker.io
/// pulls to the mirror and falls back to registry-1.docker.io on a mirror error, which fails without internet — so a
/// passing pull really came through the mirror.
/// </summary>
internal sealed class DockerDaemon : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ContainerdDaemon _containerd;
    private readonly BackgroundProcess _dockerd;
    private readonly string _docker;
    private readonly string _host;
    private readonly Dictionary<string, string> _cliEnvironment;

    private DockerDaemon(ContainerdDaemon containerd, BackgroundProcess dockerd, string docker, string host, string cliConfig)
    {
        _containerd = containerd;
        _dockerd = dockerd;
        _docker = docker;
        _host = host;
        // DOCKER_CONFIG: the user's ~/.docker/config.json (credentials, proxies, contexts) must not leak in.
        _cliEnvironment = new() { ["DOCKER_CONFIG"] = cliConfig, ["DOCKER_CONTEXT"] = "default" };
    }

    public static async Task<DockerDaemon> StartAsync(string directory, string mirrorHostPort, CancellationToken cancellationToken)
    {
        var dockerd = RequiredTool.Dockerd.Resolve();
        var docker = RequiredTool.DockerCli.Resolve();
        var socket = Path.Combine(directory, "sock");
        if (socket.Length > 100)
        {
            throw new InvalidOperationException($"dockerd socket path '{socket}' is too long for a unix socket.");
        }

        var config = Path.Combine(directory, "daemon.json");
        await File.WriteAllTextAsync(config, new JsonObject
        {
            ["registry-mirrors"] = new JsonArray($"http://{mirrorHostPort}"),
            ["storage-driver"] = "vfs",
            ["iptables"] = false,
            ["ip6tables"] = false,
            ["bridge"] = "none",
            ["max-concurrent-downloads"] = 3,
            ["max-download-attempts"] = 1,
        }.ToJsonString(), cancellationToken);
        var cliConfig = Directory.CreateDirectory(Path.Combine(directory, "cli")).FullName;

        var containerd = await ContainerdDaemon.StartAsync(Directory.CreateDirectory(Path.Combine(directory, "containerd")).FullName, cancellationToken);
        BackgroundProcess? process = null;
        try
        {
            process = BackgroundProcess.Start("dockerd", dockerd,
            [
                "--config-file", config,
                "--data-root", Path.Combine(directory, "root"),
                "--exec-root", Path.Combine(directory, "exec"),
                "--pidfile", Path.Combine(directory, "pid"),
                "--containerd", containerd.Address,
                "-H", "unix://" + socket,
            ], Offline.Environment());
            var daemon = new DockerDaemon(containerd, process, docker, "unix://" + socket, cliConfig);
            await daemon.WaitUntilReadyAsync(cancellationToken);
            return daemon;
        }
        catch
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }

            await containerd.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the docker CLI against this daemon.</summary>
    public Task<ProcessResult> DockerAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(_docker, ["-H", _host, .. arguments], _cliEnvironment, cancellationToken: cancellationToken);

    /// <summary><c>docker pull</c>, then the digests Docker recorded for the image (RepoDigests, "name@sha256:…").</summary>
    public async Task<IReadOnlyList<string>> PullAsync(string reference, CancellationToken cancellationToken)
    {
        var pull = await DockerAsync(["pull", reference], cancellationToken);
        if (!pull.Succeeded)
        {
            throw new InvalidOperationException($"docker pull {reference} failed.\n{pull.StandardOutput}\n{pull.StandardError}\n{Describe()}");
        }

        var inspect = (await DockerAsync(["image", "inspect", "--format", "{{json .RepoDigests}}", reference], cancellationToken)).EnsureSuccess();
        return JsonSerializer.Deserialize<string[]>(inspect.StandardOutput) ?? [];
    }

    public string Describe(int maxLines = 40) => _dockerd.Describe(maxLines) + "\n" + _containerd.Describe(10);

    public async ValueTask DisposeAsync()
    {
        // dockerd first: it talks to containerd while shutting down.
        await _dockerd.DisposeAsync();
        await _containerd.DisposeAsync();
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        ProcessResult? last = null;
        while (stopwatch.Elapsed < StartTimeout)
        {
            if (_dockerd.HasExited)
            {
                throw new InvalidOperationException($"dockerd exited during start.\n{Describe()}");
            }

            last = await DockerAsync(["version", "--format", "{{.Server.Version}}"], cancellationToken);
            if (last.Succeeded)
            {
                return;
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException(
            $"dockerd did not answer on {_host} within {StartTimeout.TotalSeconds:F0}s.\n{last?.StandardError}\n{Describe()}");
    }
}
