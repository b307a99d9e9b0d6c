using System.Net.Sockets;

namespace Mirror.FunctionalTests.Hosting;

/// <summary>A start that cannot succeed ends with its explanation on stderr and exit code 1 — never a stack trace.</summary>
public sealed class StartFailureTests
{
    [Fact]
    public async Task Start_PortAlreadyInUse_OneLineAndExitOne()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        using var directoryFolder = new TempDirectory();
        var directory = directoryFolder.Path;

        var lines = await FailToStartAsync(directory, "--urls", url, $"--Mirror:Cache:Directory={Path.Combine(directory, "cache")}");

        Assert.StartsWith($"Mirror cannot start: {url} is already in use", Assert.Single(lines));
    }

    [Theory]
    [InlineData("", "Mirror cannot start: Mirror:Cache:Directory '{0}' is a file, not a directory.")]
    [InlineData("cache", "Mirror cannot start: the cache directory {0} cannot be used: ")]
    public async Task Start_CacheDirectoryIsOrIsUnderAFile_OneLineAndExitOne(string below, string expected)
    {
        using var directoryFolder = new TempDirectory();
        var directory = directoryFolder.Path;
        var file = Path.Combine(directory, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var cache = below.Length == 0 ? file : Path.Combine(file, below);

        var lines = await FailToStartAsync(directory, "--urls", "http://127.0.0.1:0", $"--Mirror:Cache:Directory={cache}");

        // Prefix only: what the file system says after it belongs to the storage code.
        Assert.StartsWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, cache), Assert.Single(lines));
    }

    [Fact]
    public async Task Start_SeveralConfigurationErrors_AllListedAndExitOne()
    {
        using var directoryFolder = new TempDirectory();
        var directory = directoryFolder.Path;

        var lines = await FailToStartAsync(
            directory,
            "--urls", "http://127.0.0.1:0",
            $"--Mirror:Cache:Directory={Path.Combine(directory, "cache")}",
            "--Mirror:Cache:MaxDiskSise=10GB",
            "--Logging:Console:FormatterName=xml");

        Assert.Equal("Mirror cannot start: the configuration has errors:", lines[0]);
        Assert.Contains("  - Logging:Console:FormatterName = 'xml' is not a console log format (known: simple, json, systemd).", lines);
        Assert.Contains(lines, l => l.StartsWith("  - Mirror:Cache:MaxDiskSise is not a Mirror option", StringComparison.Ordinal));
    }

    /// <summary>Runs a server that must not start: exit code 1, no stack trace anywhere; returns stderr's lines.</summary>
    private static async Task<List<string>> FailToStartAsync(string directory, params string[] args)
    {
        var result = await ServerProcess.RunAsync(directory, args);

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}: {result.StandardOutput}\n{result.StandardError}");
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError);
        Assert.DoesNotContain("Unhandled exception", result.StandardError);
        return [.. result.StandardError.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0)];
    }
}
