using System.Text.RegularExpressions;

namespace Mirror.FunctionalTests.Observability;

/// <remarks>Metrics are process-wide: these tests run alone so other tests' pulls do not move the counters.</remarks>
[Collection(nameof(MetricsTests))]
public sealed partial class MetricsTests() : MirrorWithUpstream(startMirror: false)
{
    [Fact]
    public async Task Metrics_AfterPulls_CountsResultsBytesAndUpstreamRequests()
    {
        var (content, digest) = Upstream.AddRandomBlob(50_000);
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();
        var before = Parse(await client.GetStringAsync("/metrics"));

        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");
        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");
        var after = Parse(await client.GetStringAsync("/metrics"));

        Assert.Equal(1, Delta(before, after, "mirror_requests_total{kind=\"blob\",result=\"miss\"}"));
        Assert.Equal(1, Delta(before, after, "mirror_requests_total{kind=\"blob\",result=\"hit\"}"));
        Assert.Equal(content.Length, Delta(before, after, "mirror_served_bytes_total{source=\"disk\"}"));
        Assert.Equal(content.Length, Delta(before, after, "mirror_served_bytes_total{source=\"upstream\"}"));
        Assert.Equal(1, Delta(before, after, "mirror_upstream_requests_total{upstream=\"docker.io\",status=\"2xx\"}"));
        Assert.Contains("mirror_fills_in_flight", after.Keys);
        Assert.Contains("mirror_requests_total{kind=\"manifest\",result=\"stale\"}", after.Keys);
    }

    [Fact]
    public async Task Metrics_DotNetInstruments_OnlyTheRuntimesOwn_NothingRecordedPerRequest()
    {
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();
        await client.GetStringAsync("/metrics"); // the first scrape connects prometheus-net's adapters
        for (var i = 0; i < 20; i++)
        {
            using var connection = mirror.CreateClient(); // new connections, too: Kestrel counts them
            await connection.GetStringAsync("/v2/");
        }

        var families = (await client.GetStringAsync("/metrics")).Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line.Split('{', ' ')[0])
            .ToHashSet();

        Assert.Contains("mirror_requests_total", families);
        Assert.DoesNotContain(families, f => f.Contains("kestrel", StringComparison.Ordinal) || f.Contains("aspnetcore", StringComparison.Ordinal)
            || f.Contains("http_server", StringComparison.Ordinal) || f.Contains("http_client", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_UpstreamPullBudget_FromRateLimitHeaders()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        upstream.AddManifest("library/app", "1", "{\"schemaVersion\":2}");
        upstream.RateLimit = (100, 7);
        await using var mirror = await MirrorServer.StartAsync(upstream.Url);
        using var client = mirror.CreateClient();
        var before = await client.GetStringAsync("/metrics");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/app/manifests/1");
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.oci.image.manifest.v1+json");
        using var response = await client.SendAsync(request);
        var after = Parse(await client.GetStringAsync("/metrics"));

        Assert.Contains("mirror_upstream_ratelimit_remaining{upstream=\"docker.io\"} NaN", before, StringComparison.Ordinal);
        Assert.Equal(100, after["mirror_upstream_ratelimit_limit{upstream=\"docker.io\"}"]);
        Assert.Equal(7, after["mirror_upstream_ratelimit_remaining{upstream=\"docker.io\"}"]);
    }

    [Fact]
    public async Task Metrics_CacheTiers_ReportBytesAndEntries()
    {
        var (content, digest) = Upstream.AddRandomBlob(30_000);
        Upstream.AddManifest("library/app", "1", "{\"schemaVersion\":2}");
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Cache:MaxDiskSize"] = "10MB" });
        using var client = mirror.CreateClient();

        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");
        await client.GetByteArrayAsync("/v2/library/app/manifests/1");
        var metrics = Parse(await client.GetStringAsync("/metrics"));

        Assert.True(metrics["mirror_cache_bytes{tier=\"disk\"}"] >= content.Length, string.Join(" ", metrics.Where(m => m.Key.StartsWith("mirror_cache", StringComparison.Ordinal))));
        Assert.True(metrics["mirror_cache_entries{tier=\"disk\"}"] >= 2);
        Assert.Equal(10_000_000, metrics["mirror_cache_max_bytes{tier=\"disk\"}"]);
        Assert.True(metrics["mirror_cache_bytes{tier=\"memory\"}"] > 0);
    }

    [Fact]
    public async Task Metrics_OwnPort_ServedThere()
    {
        var port = FreePort.Next();
        await using var mirror = await StartMirrorAsync(new Dictionary<string, string?> { ["Mirror:Metrics:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var client = new HttpClient();

        var text = await client.GetStringAsync($"http://127.0.0.1:{port}/metrics");

        Assert.Contains("mirror_requests_total", text);
        using var main = mirror.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await main.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Health_LiveAndReady()
    {
        await using var mirror = await StartMirrorAsync();
        using var client = mirror.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    private static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string series) =>
        after.GetValueOrDefault(series) - before.GetValueOrDefault(series);

    internal static Dictionary<string, double> Parse(string exposition)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match m in Sample().Matches(exposition))
        {
            values[m.Groups["series"].Value] = double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return values;
    }

    [GeneratedRegex(@"^(?<series>[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (?<value>[-+0-9.eE]+|NaN)$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
