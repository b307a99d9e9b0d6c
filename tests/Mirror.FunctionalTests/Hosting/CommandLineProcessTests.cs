using System.Text.RegularExpressions;
using Mirror.EndToEndTests.Infrastructure;

namespace Mirror.FunctionalTests.Hosting;

/// <summary>Program.cs as a process: what is printed, the exit code, and that nothing is created on disk.</summary>
public sealed class CommandLineProcessTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_PrintsUsageAndExitsZero_WithoutTouchingTheCache(string flag)
    {
        var result = await RunLeavingNothingBehindAsync(0, flag);

        Assert.All(["Usage:", "--urls", "--Mirror:Cache:Directory", "docs/operations.md"], part => Assert.Contains(part, result.StandardOutput));
        Assert.Equal(string.Empty, result.StandardError);
    }

    [Fact]
    public async Task Version_PrintsVersionAndCommitAndExitsZero_WithoutTouchingTheCache()
    {
        var result = await RunLeavingNothingBehindAsync(0, "--version");

        var line = result.StandardOutput.Trim();
        Assert.Matches(new Regex(@"^Mirror \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{40}|unknown), \.NET \d+\.\d+\.\d+\)$"), line);
        if (Path.Exists(Path.Combine(RepositoryRoot.Path, ".git")))
        {
            // Built from a git checkout: the commit must have been embedded.
            Assert.DoesNotContain("commit unknown", line);
        }
    }

    [Theory]
    [InlineData("--hepl")]
    [InlineData("-x")]
    [InlineData("--urls", "http://127.0.0.1:0", "--Mirorr:Cache:Directory=/tmp/x")]
    public async Task UnknownFlag_ListsTheKnownOnesAndExitsTwo_WithoutStarting(params string[] args)
    {
        var result = await RunLeavingNothingBehindAsync(2, args);

        Assert.All(["Mirror.Server: unknown option", "Known: --help", "--urls URL"], part => Assert.Contains(part, result.StandardError));
        Assert.Equal(string.Empty, result.StandardOutput);
    }

    [Fact]
    public async Task ContentRoot_Given_AppsettingsReadFromThereInsteadOfNextToTheBinary()
    {
        using var directoryFolder = new TempDirectory();
        var directory = directoryFolder.Path;
        var cache = Path.Combine(directory, "cache-from-content-root");
        await File.WriteAllTextAsync(
            Path.Combine(directory, "appsettings.json"),
            $$"""{ "Mirror": { "Cache": { "Directory": "{{cache}}" } } }""");

        var server = await ServerProcess.StartAsync(directory, "[6001]", "--contentRoot", directory, "--urls", "http://127.0.0.1:0");
        await server.StopAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(server.Lines(), l => l.Contains("[6001]", StringComparison.Ordinal) && l.Contains($"cache {cache} ", StringComparison.Ordinal));
    }

    /// <summary>Runs in an empty working directory and checks it stays empty: no ./data, no index, nothing.</summary>
    private static async Task<ProcessResult> RunLeavingNothingBehindAsync(int expectedExitCode, params string[] args)
    {
        using var workingDirectoryFolder = new TempDirectory();
        var workingDirectory = workingDirectoryFolder.Path;

        var result = await ServerProcess.RunAsync(workingDirectory, args);

        Assert.True(result.ExitCode == expectedExitCode, $"exit code {result.ExitCode}, expected {expectedExitCode}: {result.StandardError}");
        Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
        return result;
    }
}
