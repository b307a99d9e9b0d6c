using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Mirror.FunctionalTests.Observability;

/// <summary>The per-request line (event 4001): every field a log shipper filters on, the trace id that joins it to its trace.</summary>
public sealed class RequestLogTests
{
    private const string Category = "Mirror.Server.Registry.RegistryHandler";

    [Fact]
    public async Task BlobMissThenHit_RequestLine_HasEveryFieldAndTheTraceId()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        var content = RandomNumberGenerator.GetBytes(40_000);
        var digest = upstream.AddBlob(content);
        var logs = new CapturingLoggerProvider();
        var spans = new ExportedSpans();
        await using var mirror = await MirrorServer.StartAsync(
            upstream.Url,
            settings: new Dictionary<string, string?> { [$"Logging:LogLevel:{Category}"] = "Information" },
            configure: builder =>
            {
                builder.Logging.AddProvider(logs);
                TracingTests.AddInMemoryTracing(builder, spans);
            });
        using var client = mirror.CreateClient();
        var path = $"/v2/library/app/blobs/{digest}";

        await client.GetByteArrayAsync(path);
        await client.GetByteArrayAsync(path);

        var lines = await WaitForLinesAsync(logs, 2);
        var (miss, hit) = (lines[0], lines[1]);
        Assert.Equal(LogLevel.Information, miss.Level);
        Assert.Equal("GET", miss.State["Method"]);
        Assert.Equal("blob", miss.State["Kind"]);
        Assert.Equal(200, miss.State["Status"]);
        Assert.Equal("miss", miss.State["Result"]);
        Assert.Equal("upstream", miss.State["Source"]);
        Assert.Equal((long)content.Length, miss.State["Bytes"]);
        Assert.True((double)miss.State["ElapsedMs"]! > 0);
        Assert.Equal("127.0.0.1", miss.State["Client"]);
        Assert.Equal("docker.io", miss.State["Upstream"]);
        Assert.Equal("hit", hit.State["Result"]);
        Assert.Equal("disk", hit.State["Source"]);
        Assert.Equal((long)content.Length, hit.State["Bytes"]);
        Assert.Contains($"GET blob 200 miss from upstream, {content.Length} bytes in ", miss.Message, StringComparison.Ordinal);

        // The trace id is the request span's: a log line leads to its trace and back.
        var requests = new[] { await spans.WaitForRequestAsync(mirror, path, 0), await spans.WaitForRequestAsync(mirror, path, 1) };
        Assert.Equal(requests[0].TraceId.ToHexString(), miss.State["TraceId"]);
        Assert.Equal(requests[1].TraceId.ToHexString(), hit.State["TraceId"]);
        Assert.Contains($"trace {requests[0].TraceId.ToHexString()}", miss.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherRequest_RequestLine_DashesForWhatItDoesNotHave()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        var logs = new CapturingLoggerProvider();
        await using var mirror = await MirrorServer.StartAsync(
            upstream.Url,
            settings: new Dictionary<string, string?> { [$"Logging:LogLevel:{Category}"] = "Information" },
            configure: builder => builder.Logging.AddProvider(logs));
        using var client = mirror.CreateClient();

        await client.GetAsync("/v2/library/app/nothing-here");

        var line = Assert.Single(await WaitForLinesAsync(logs, 1));
        Assert.Equal("other", line.State["Kind"]);
        Assert.Equal(404, line.State["Status"]);
        Assert.Equal("error", line.State["Result"]);
        Assert.Equal("-", line.State["Source"]);
        Assert.Equal(0L, line.State["Bytes"]);
        Assert.Equal("-", line.State["Upstream"]);
        Assert.NotNull(line.State["TraceId"]);
    }

    [Fact]
    public void ShippedConfiguration_RequestLine_IsOff()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(RepositoryRoot.Combine("src", "Mirror.Server", "appsettings.json"))
            .Build();
        using var loggers = LoggerFactory.Create(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddProvider(new CapturingLoggerProvider()));

        Assert.False(loggers.CreateLogger(Category).IsEnabled(LogLevel.Information));
    }

    /// <summary>The line is written when the handler finishes, which may be just after the client has its last byte.</summary>
    private static async Task<List<CapturedLog>> WaitForLinesAsync(CapturingLoggerProvider logs, int count)
    {
        await Poll.UntilAsync(() => Lines(logs).Count >= count, $"{count} request lines", TimeSpan.FromSeconds(10));
        return Lines(logs);
    }

    private static List<CapturedLog> Lines(CapturingLoggerProvider logs) => [.. logs.Events.Where(e => e.EventId == 4001 && e.Category == Category)];
}
