using System.Diagnostics;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>
/// A long-running program (registry, mirror, daemon) whose stdout and stderr are kept in memory line by line, so
/// tests can read access logs and failures can show what the program said. Stopping sends SIGTERM, waits, then
/// kills the whole tree — dockerd's children included — so nothing outlives the test run.
/// </summary>
internal sealed class BackgroundProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _linesLock = new();
    private bool _stopped;
    private string? _exitState;

    private BackgroundProcess(string name, Process process, string commandLine)
    {
        Name = name;
        _process = process;
        CommandLine = commandLine;
    }

    public string Name { get; }

    public string CommandLine { get; }

    public int Id => _process.Id;

    public bool HasExited => _exitState is not null || _process.HasExited;

    public static BackgroundProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var startInfo = ProcessRunner.CreateStartInfo(fileName, arguments, environment, workingDirectory);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var background = new BackgroundProcess(name, process, ProcessRunner.Describe(startInfo));
        process.OutputDataReceived += (_, e) => background.Append(e.Data);
        process.ErrorDataReceived += (_, e) => background.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name}: '{background.CommandLine}'.");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    /// <summary>A snapshot of every line written so far (stdout and stderr interleaved in arrival order).</summary>
    public IReadOnlyList<string> Lines()
    {
        lock (_linesLock)
        {
            return [.. _lines];
        }
    }

    public string Describe(int maxLines = 40)
    {
        var lines = Lines();
        var state = _exitState ?? (_process.HasExited ? $"exited with {_process.ExitCode}" : $"running as pid {_process.Id}");
        return $"{Name} ({state}): {CommandLine}\n--- last {Math.Min(maxLines, lines.Count)} of {lines.Count} log lines ---\n" +
            string.Join('\n', lines.Skip(Math.Max(0, lines.Count - maxLines)));
    }

    public Task StopAsync(TimeSpan gracePeriod) => StopCoreAsync(gracePeriod);

    /// <summary>
    /// SIGKILL at once, with no SIGTERM first: a crash rather than a shutdown (the fault tests' "upstream died").
    /// Open connections are closed by the kernel, mid-response if one was being sent. The lines stay readable.
    /// </summary>
    public Task KillAsync() => StopCoreAsync(gracePeriod: null);

    private async Task StopCoreAsync(TimeSpan? gracePeriod)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        try
        {
            if (gracePeriod is { } grace && !_process.HasExited)
            {
                NativeSignals.TryTerminate(_process.Id);
                using var graceTimeout = new CancellationTokenSource(grace);
                try
                {
                    await _process.WaitForExitAsync(graceTimeout.Token);
                }
                catch (OperationCanceledException)
                {
                    // Fall through to the hard kill below.
                }
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            // Bounded: WaitForExit also waits for EOF on the redirected pipes, which an orphaned grandchild could hold.
            using var drained = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(drained.Token);
            }
            catch (OperationCanceledException)
            {
            }

            var how = gracePeriod is null ? "killed" : "stopped";
            _exitState = _process.HasExited ? $"{how}, exit code {_process.ExitCode}" : how;
        }
        catch (InvalidOperationException)
        {
            // The process was never started or is already gone.
        }
        finally
        {
            _exitState ??= "stopped";
            _process.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(DefaultGracePeriod));

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_linesLock)
        {
            _lines.Add(line);
        }
    }
}
