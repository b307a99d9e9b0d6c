using System.Text.RegularExpressions;
using Mirror.FunctionalTests.Infrastructure;

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
        var workingDirectory = TempDirectory.Create();

        var result = await ServerProcess.RunAsync(workingDirectory, flag);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.StandardOutput);
        Assert.Contains("--urls", result.StandardOutput);
        Assert.Contains("--Mirror:Cache:Directory", result.StandardOutput);
        Assert.Contains("docs/operations.md", result.StandardOutput);
        Assert.Equal(string.Empty, result.StandardError);
        Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
    }

    [Fact]
    public async Task Version_PrintsVersionAndCommitAndExitsZero_WithoutTouchingTheCache()
    {
        var workingDirectory = TempDirectory.Create();

        var result = await ServerProcess.RunAsync(workingDirectory, "--version");

        Assert.Equal(0, result.ExitCode);
        var line = result.StandardOutput.Trim();
        Assert.Matches(new Regex(@"^Mirror \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{40}|unknown), \.NET \d+\.\d+\.\d+\)$"), line);
        if (RepositoryHasGit())
        {
            // Built from a git checkout: the commit must have been embedded.
            Assert.DoesNotContain("commit unknown", line);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
    }

    [Theory]
    [InlineData("--hepl")]
    [InlineData("-x")]
    [InlineData("--urls", "http://127.0.0.1:0", "--Mirorr:Cache:Directory=/tmp/x")]
    public async Task UnknownFlag_ListsTheKnownOnesAndExitsTwo_WithoutStarting(params string[] args)
    {
        var workingDirectory = TempDirectory.Create();

        var result = await ServerProcess.RunAsync(workingDirectory, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Mirror.Server: unknown option", result.StandardError);
        Assert.Contains("Known: --help", result.StandardError);
        Assert.Contains("--urls URL", result.StandardError);
        Assert.Equal(string.Empty, result.StandardOutput);
        Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
    }

    private static bool RepositoryHasGit()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mirror.sln")))
            {
                return Path.Exists(Path.Combine(directory.FullName, ".git"));
            }
        }

        return false;
    }
}
