using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mirror.Server.Hosting;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mirror.FunctionalTests.Observability;

/// <summary>Tracing is on only with an OTLP endpoint, named by the standard variables.</summary>
public sealed class TracingConfigurationTests
{
    [Fact]
    public void AddMirrorTracing_NoEndpoint_NoTracerProvider()
    {
        var services = new ServiceCollection().AddMirrorTracing(Configuration());

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(TracerProvider));
    }

    [Fact]
    public void AddMirrorTracing_Endpoint_TracerProvider()
    {
        var services = new ServiceCollection().AddMirrorTracing(Configuration(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")));

        Assert.Contains(services, d => d.ServiceType == typeof(TracerProvider));
    }

    [Theory]
    [InlineData(null, null, "mirror")]
    [InlineData("edge-mirror", null, "edge-mirror")]
    [InlineData(null, "service.name=from-attributes", null)]
    public void Describe_ServiceName_MirrorUnlessTheStandardVariablesSayOtherwise(string? serviceName, string? attributes, string? expected)
    {
        var resource = MirrorTracing.Describe(ResourceBuilder.CreateEmpty(), Configuration(("OTEL_SERVICE_NAME", serviceName), ("OTEL_RESOURCE_ATTRIBUTES", attributes))).Build();
        var values = resource.Attributes.ToDictionary(kv => kv.Key, kv => kv.Value);

        // With OTEL_RESOURCE_ATTRIBUTES naming it, the SDK's own detector sets service.name; Mirror leaves it alone.
        Assert.Equal(expected, values.GetValueOrDefault("service.name"));
        Assert.Equal(BuildInfo.Version, values["service.version"]);
    }

    [Theory]
    [InlineData("/v2/library/app/blobs/sha256:abc", true)]
    [InlineData("/v2/", true)]
    [InlineData("/admin/stats", true)]
    [InlineData("/metrics", false)]
    [InlineData("/healthz", false)]
    [InlineData("/readyz", false)]
    public void IsTraced_ProbesAndScrapes_NotTraced(string path, bool traced) =>
        Assert.Equal(traced, MirrorTracing.IsTraced(new PathString(path)));

    /// <summary>The real exporter: OTLP over http/protobuf to a fake collector, which receives POST /v1/traces.</summary>
    [Fact]
    public async Task OtlpEndpoint_Pull_SpansExportedToTheCollector()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        await using var collector = await FakeRegistry.StartAsync();
        var digest = upstream.AddBlob(RandomNumberGenerator.GetBytes(5_000));
        await using var mirror = await MirrorServer.StartAsync(upstream.Url, settings: new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url.AbsoluteUri.TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
        using var client = mirror.CreateClient();

        await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");

        await Poll.UntilAsync(() => collector.Count("POST", "/v1/traces") > 0, "an OTLP export at the collector", TimeSpan.FromSeconds(10));
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Where(v => v.Value is not null).Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
