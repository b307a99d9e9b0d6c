using Mirror.EndToEndTests.Infrastructure;

namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>
/// Mirror.Server as its own process, as an operator starts it: <c>dotnet Mirror.Server.dll …</c>, the build next to
/// these tests (the project reference copies it with its runtimeconfig, deps and appsettings.json). For what only a
/// process shows: exit codes, stdout/stderr, the console log format, Program.cs itself.
/// </summary>
internal static class ServerProcess
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "Mirror.Server.dll");

    /// <summary>Runs the server to its exit (<c>--help</c>, a failing start) from <paramref name="workingDirectory"/>.</summary>
    public static Task<ProcessResult> RunAsync(string workingDirectory, params IEnumerable<string> arguments) =>
        ProcessRunner.RunAsync(Dotnet, [Dll, .. arguments], PinnedEnvironment(), StartTimeout, workingDirectory);

    /// <summary>The same with more environment variables (<c>MIRROR_CONFIG</c>, <c>Mirror__…</c>).</summary>
    public static Task<ProcessResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params IEnumerable<string> arguments)
    {
        var pinned = PinnedEnvironment();
        foreach (var (name, value) in environment)
        {
            pinned[name] = value;
        }

        return ProcessRunner.RunAsync(Dotnet, [Dll, .. arguments], pinned, StartTimeout, workingDirectory);
    }

    /// <summary>
    /// Starts a server that keeps running and waits until a line containing <paramref name="readyMarker"/> is logged
    /// (the start-up summary, event 6001, is written once every address is bound).
    /// </summary>
    public static async Task<BackgroundProcess> StartAsync(string workingDirectory, string readyMarker, params IEnumerable<string> arguments)
    {
        var process = BackgroundProcess.Start("Mirror.Server", Dotnet, [Dll, .. arguments], PinnedEnvironment(), workingDirectory);
        using var deadline = new CancellationTokenSource(StartTimeout);
        while (!process.Lines().Any(l => l.Contains(readyMarker, StringComparison.Ordinal)))
        {
            if (process.HasExited || deadline.IsCancellationRequested)
            {
                var description = process.Describe();
                await process.DisposeAsync();
                throw new InvalidOperationException($"Mirror.Server did not log '{readyMarker}': {description}");
            }

            await Task.Delay(50);
        }

        return process;
    }

    /// <summary>The dotnet that runs these tests, so a machine with several SDKs runs the server on the same one.</summary>
    private static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Pinned, so a developer's ASPNETCORE_ENVIRONMENT=Development or Logging__ variables change nothing.</summary>
    private static Dictionary<string, string> PinnedEnvironment() => new()
    {
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
    };
}
