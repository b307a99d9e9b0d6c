using Microsoft.Extensions.Configuration;
using Mirror.Server.Hosting;

namespace Mirror.FunctionalTests.Hosting;

public sealed class MirrorConfigFileTests
{
    [Fact]
    public void TryAdd_NoPath_NothingAddedNoError()
    {
        var configuration = new ConfigurationManager();
        var sources = configuration.Sources.Count;

        Assert.Null(MirrorConfigFile.TryAdd(configuration, [], null));
        Assert.Null(MirrorConfigFile.TryAdd(configuration, [], " "));
        Assert.Equal(sources, configuration.Sources.Count);
    }

    [Fact]
    public void TryAdd_File_OverridesTheEmbeddedSettingsAndLosesToTheCommandLine()
    {
        var file = Write("""{ "Mirror": { "Cache": { "Directory": "/from/file", "MaxDiskSize": "10GB" } } }""");
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mirror:Cache:Directory"] = "./data", ["Mirror:DefaultUpstream"] = "docker.io" });
        string[] args = ["--Mirror:Cache:MaxDiskSize=20GB"];
        configuration.AddCommandLine(args);

        Assert.Null(MirrorConfigFile.TryAdd(configuration, args, file));

        Assert.Equal("/from/file", configuration["Mirror:Cache:Directory"]);
        Assert.Equal("20GB", configuration["Mirror:Cache:MaxDiskSize"]);
        Assert.Equal("docker.io", configuration["Mirror:DefaultUpstream"]);
    }

    [Fact]
    public void TryAdd_MissingFile_ErrorNamesVariableAndPath()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "absent.json");

        var error = MirrorConfigFile.TryAdd(new ConfigurationManager(), [], path);

        Assert.NotNull(error);
        Assert.StartsWith($"MIRROR_CONFIG={path}:", error, StringComparison.Ordinal);
        Assert.Contains("not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryAdd_InvalidJson_ErrorSaysItCouldNotBeParsed()
    {
        var file = Write("""{ "Mirror": { "Cache": """);

        var error = MirrorConfigFile.TryAdd(new ConfigurationManager(), [], file);

        Assert.NotNull(error);
        Assert.Contains(file, error, StringComparison.Ordinal);
        Assert.Contains("JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_MirrorConfigMissing_OneLineAndExitOne()
    {
        using var directoryFolder = new TempDirectory();
        var directory = directoryFolder.Path;
        var path = Path.Combine(directory, "absent.json");

        var result = await ServerProcess.RunAsync(directory, new Dictionary<string, string> { [MirrorConfigFile.Variable] = path }, "--urls", "http://127.0.0.1:0");

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}: {result.StandardError}");
        Assert.StartsWith($"Mirror cannot start: MIRROR_CONFIG={path}: ", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_MirrorConfigFile_ReadAndCheckedLikeEveryOtherSource()
    {
        // The real Program: a key in the file is validated at start, so the file was read.
        using var directoryFolder = new TempDirectory();
        var directory = directoryFolder.Path;
        var file = Write("""{ "Mirror": { "Cache": { "MaxDiskSise": "10GB" } } }""");

        var result = await ServerProcess.RunAsync(
            directory,
            new Dictionary<string, string> { [MirrorConfigFile.Variable] = file },
            "--urls", "http://127.0.0.1:0", $"--Mirror:Cache:Directory={Path.Combine(directory, "cache")}");

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}: {result.StandardError}");
        Assert.Contains("Mirror:Cache:MaxDiskSise is not a Mirror option", result.StandardError, StringComparison.Ordinal);
    }

    private static string Write(string json)
    {
        // The file must outlive this helper (the test then starts a process that reads it): a kept temp folder.
        var path = Path.Combine(new TempDirectory(keep: true).Path, "appsettings.json");
        File.WriteAllText(path, json);
        return path;
    }
}
