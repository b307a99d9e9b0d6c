using System.Diagnostics;

namespace Mirror.EndToEndTests.Clients;

/// <summary>
/// A private containerd: root, state, temp, sockets and the opt plugin's folder all inside its own folder, CRI off
/// (it would open a streaming port and look for CNI), debug and metrics listeners off. Used by the containerd test
/// through <c>ctr</c>, and by <see cref="DockerDaemon"/> — dockerd would otherwise attach to a system containerd at
/// /run/containerd/containerd.sock if one runs, or start one whose default config writes to /opt/containerd.
/// </summary>
internal sealed class ContainerdDaemon : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly BackgroundProcess _process;
    private readonly string _ctr;

    private ContainerdDaemon(BackgroundProcess process, string address, string ctr)
    {
        _process = process;
        Address = address;
        _ctr = ctr;
    }

    /// <summary>The gRPC unix socket path (what <c>ctr -a</c> and <c>dockerd --containerd</c> take).</summary>
    public string Address { get; }

    public static async Task<ContainerdDaemon> StartAsync(string directory, CancellationToken cancellationToken)
    {
        var containerd = RequiredTool.Containerd.Resolve();
        var ctr = RequiredTool.Ctr.Resolve();
        var address = Path.Combine(directory, "sock");
        var tmp = Directory.CreateDirectory(Path.Combine(directory, "tmp")).FullName;
        var config = Path.Combine(directory, "config.toml");
        await File.WriteAllTextAsync(config, $"""
            version = 2
            root = "{Path.Combine(directory, "root")}"
            state = "{Path.Combine(directory, "state")}"
            temp = "{tmp}"
            disabled_plugins = [
              "io.containerd.grpc.v1.cri",
              "io.containerd.snapshotter.v1.aufs",
              "io.containerd.snapshotter.v1.btrfs",
              "io.containerd.snapshotter.v1.devmapper",
              "io.containerd.snapshotter.v1.zfs",
              "io.containerd.tracing.processor.v1.otlp",
              "io.containerd.internal.v1.tracing",
            ]

            [grpc]
              address = "{address}"

            [ttrpc]
              address = "{address}.ttrpc"

            [debug]
              address = ""

            [metrics]
              address = ""

            [plugins."io.containerd.internal.v1.opt"]
              path = "{Path.Combine(directory, "opt")}"

            """, cancellationToken);

        var process = BackgroundProcess.Start("containerd", containerd, ["--config", config], Offline.Environment());
        var daemon = new ContainerdDaemon(process, address, ctr);
        try
        {
            await daemon.WaitUntilReadyAsync(cancellationToken);
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>ctr -a &lt;socket&gt; -n &lt;namespace&gt; …</c>.</summary>
    public Task<ProcessResult> CtrAsync(string ns, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(_ctr, ["-a", Address, "-n", ns, .. arguments], Offline.Environment(), cancellationToken: cancellationToken);

    /// <summary>The digest containerd recorded for a pulled image: the DIGEST column of <c>ctr images ls</c>.</summary>
    public async Task<string> ImageDigestAsync(string ns, string reference, CancellationToken cancellationToken)
    {
        var list = (await CtrAsync(ns, ["images", "ls", $"name=={reference}"], cancellationToken)).EnsureSuccess();
        return DigestOf(list.StandardOutput, reference);
    }

    public string Describe(int maxLines = 40) => _process.Describe(maxLines);

    /// <summary>The DIGEST column of <c>ctr images ls</c> (REF TYPE DIGEST SIZE PLATFORMS LABELS) for one ref.</summary>
    private static string DigestOf(string table, string reference) =>
        table.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(columns => columns.Length >= 3 && columns[0] == reference)?[2]
        ?? $"(no row for {reference} in ctr images ls: {table})";

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        ProcessResult? last = null;
        while (stopwatch.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"containerd exited during start.\n{Describe()}");
            }

            if (File.Exists(Address))
            {
                last = await ProcessRunner.RunAsync(_ctr, ["-a", Address, "version"], timeout: TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
                if (last.Succeeded)
                {
                    return;
                }
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException(
            $"containerd did not answer on {Address} within {StartTimeout.TotalSeconds:F0}s.\n{last?.StandardError}\n{Describe()}");
    }
}
