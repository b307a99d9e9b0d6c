using System.Net;
using System.Net.Sockets;
using Mirror.FunctionalTests.Infrastructure;

namespace Mirror.FunctionalTests.Hosting;

/// <summary>A start that cannot succeed ends with one line on stderr and exit code 1 — never a stack trace.</summary>
public sealed class StartFailureTests
{
    [Fact]
    public async Task Start_PortAlreadyInUse_OneLineAndExitOne()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        var directory = TempDirectory.Create();

        var result = await ServerProcess.RunAsync(directory, "--urls", url, $"--Mirror:Cache:Directory={Path.Combine(directory, "cache")}");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(NonEmptyLines(result.StandardError));
        Assert.StartsWith($"Mirror cannot start: {url} is already in use", line);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_CacheDirectoryIsAFile_OneLineAndExitOne()
    {
        var directory = TempDirectory.Create();
        var file = Path.Combine(directory, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");

        var result = await ServerProcess.RunAsync(directory, "--urls", "http://127.0.0.1:0", $"--Mirror:Cache:Directory={file}");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(NonEmptyLines(result.StandardError));
        Assert.Equal($"Mirror cannot start: Mirror:Cache:Directory '{file}' is a file, not a directory.", line);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_CacheDirectoryUnderAFile_OneLineAndExitOne()
    {
        var directory = TempDirectory.Create();
        var file = Path.Combine(directory, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var cache = Path.Combine(file, "cache");

        var result = await ServerProcess.RunAsync(directory, "--urls", "http://127.0.0.1:0", $"--Mirror:Cache:Directory={cache}");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(NonEmptyLines(result.StandardError));
        Assert.StartsWith($"Mirror cannot start: the cache directory {cache} cannot be used: ", line);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_SeveralConfigurationErrors_AllListedAndExitOne()
    {
        var directory = TempDirectory.Create();

        var result = await ServerProcess.RunAsync(
            directory,
            "--urls", "http://127.0.0.1:0",
            $"--Mirror:Cache:Directory={Path.Combine(directory, "cache")}",
            "--Mirror:Cache:MaxDiskSise=10GB",
            "--Logging:Console:FormatterName=xml");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                "Mirror cannot start: the configuration has errors:",
                "  - Logging:Console:FormatterName = 'xml' is not a console log format (known: simple, json, systemd).",
            ],
            NonEmptyLines(result.StandardError).Take(2));
        Assert.Contains("  - Mirror:Cache:MaxDiskSise is not a Mirror option", result.StandardError);
        AssertNoStackTrace(result);
    }

    private static List<string> NonEmptyLines(string text) =>
        [.. text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0)];

    private static void AssertNoStackTrace(EndToEndTests.Infrastructure.ProcessResult result)
    {
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError);
        Assert.DoesNotContain("Unhandled exception", result.StandardError);
    }
}
