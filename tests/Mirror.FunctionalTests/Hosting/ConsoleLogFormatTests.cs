using System.Text.Json;

namespace Mirror.FunctionalTests.Hosting;

/// <summary>Logging:Console:FormatterName picks the console format; the start-up summary (event 6001) is in each.</summary>
public sealed class ConsoleLogFormatTests
{
    private const string Password = "upstream-password-never-logged";
    private const string AdminToken = "admin-token-never-logged-0123456789";

    [Fact]
    public async Task Json_EveryLineIsAJsonEventWithItsFields_AndTheSummaryHasTheRealAddress()
    {
        using var directoryFolder = new TempDirectory();
        var directory = directoryFolder.Path;
        var cache = Path.Combine(directory, "cache");
        var lines = await RunUntilStartedAsync(directory, "\"EventId\":6001",
            "--Logging:Console:FormatterName=json",
            "--urls", "http://127.0.0.1:0",
            $"--Mirror:Cache:Directory={cache}",
            "--Mirror:Cache:MaxDiskSize=50GB",
            "--Mirror:Upstreams:0:Name=docker.io",
            "--Mirror:Upstreams:1:Name=registry.corp.example",
            "--Mirror:Upstreams:1:Url=http://127.0.0.1:9",
            "--Mirror:Upstreams:1:Username=mirror",
            $"--Mirror:Upstreams:1:Password={Password}",
            "--Mirror:Upstreams:2:Name=git.corp.example",
            "--Mirror:Upstreams:2:Url=http://127.0.0.1:10",
            "--Mirror:Upstreams:2:ForwardClientAuthorization=true",
            "--Mirror:Upstreams:2:AllowPush=true",
            $"--Mirror:Admin:Token={AdminToken}");

        Assert.NotEmpty(lines);
        JsonElement? summary = null;
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            Assert.True(root.GetProperty("EventId").ValueKind == JsonValueKind.Number, line);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("LogLevel").GetString()), line);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("Category").GetString()), line);
            Assert.Equal(JsonValueKind.String, root.GetProperty("Message").ValueKind);
            Assert.Equal(JsonValueKind.Object, root.GetProperty("State").ValueKind);
            Assert.True(DateTimeOffset.TryParse(root.GetProperty("Timestamp").GetString(), out _), line);
            if (root.GetProperty("EventId").GetInt32() == 6001)
            {
                summary = root.Clone();
            }
        }

        var state = Assert.NotNull(summary).GetProperty("State");
        Assert.Equal("Mirror.Server.Hosting.StartupSummary", summary.Value.GetProperty("Category").GetString());
        var url = new Uri(state.GetProperty("Urls").GetString()!);
        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(0, url.Port);
        Assert.Equal(cache, state.GetProperty("CacheDirectory").GetString());
        Assert.Equal("50 GB", state.GetProperty("MaxDiskSize").GetString());
        Assert.Equal("64 MiB", state.GetProperty("MaxMemorySize").GetString());
        Assert.Equal(
            "docker.io = https://registry-1.docker.io (anonymous, pull only); registry.corp.example = http://127.0.0.1:9 (basic, pull only); " +
            "git.corp.example = http://127.0.0.1:10 (forward-client, push allowed)",
            state.GetProperty("Upstreams").GetString());
        Assert.Equal("in-process (Redis off)", state.GetProperty("MemoryTier").GetString());
        Assert.Equal("token required", state.GetProperty("Admin").GetString());
        Assert.Equal("/metrics on the main port", state.GetProperty("Metrics").GetString());
        Assert.StartsWith("1.", state.GetProperty("Version").GetString());
        Assert.DoesNotContain(lines, l => l.Contains(Password, StringComparison.Ordinal) || l.Contains(AdminToken, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "info: Mirror.Server.Hosting.StartupSummary[6001] Mirror ")]
    [InlineData("simple", "info: Mirror.Server.Hosting.StartupSummary[6001] Mirror ")]
    [InlineData("systemd", "<6>Mirror.Server.Hosting.StartupSummary[6001] Mirror ")]
    public async Task TextFormats_SummaryIsOneLineWithItsPrefix(string? formatter, string prefix)
    {
        using var directoryFolder = new TempDirectory();
        var directory = directoryFolder.Path;
        List<string> arguments = ["--urls", "http://127.0.0.1:0", $"--Mirror:Cache:Directory={Path.Combine(directory, "cache")}"];
        if (formatter is not null)
        {
            arguments.Add($"--Logging:Console:FormatterName={formatter}");
        }

        var lines = await RunUntilStartedAsync(directory, "[6001]", [.. arguments]);

        var summary = Assert.Single(lines, l => l.Contains("[6001]", StringComparison.Ordinal));
        Assert.StartsWith(prefix, summary);
        Assert.Contains(" listening on http://127.0.0.1:", summary);
        Assert.Contains("upstreams: docker.io = https://registry-1.docker.io (anonymous, pull only)", summary);
        Assert.DoesNotContain(lines, l => l.StartsWith('{'));
    }

    /// <summary>Starts the server, waits for the summary, stops it (SIGTERM) and returns everything it wrote.</summary>
    private static async Task<IReadOnlyList<string>> RunUntilStartedAsync(string directory, string marker, params string[] arguments)
    {
        var process = await ServerProcess.StartAsync(directory, marker, arguments);
        await process.StopAsync(TimeSpan.FromSeconds(10));
        return process.Lines();
    }
}
