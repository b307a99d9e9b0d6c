using System.Runtime.CompilerServices;
using Mirror.Observability;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mirror.Server.Hosting;

/// <summary>
/// Traces over OTLP, on only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set: the standard OpenTelemetry variables
/// configure it (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_BSP_*</c>), no <c>Mirror:</c> key. Off, nothing is registered: no tracer provider listens, so Mirror's
/// <see cref="MirrorActivities.Source"/> starts no span and ASP.NET Core and HttpClient do as they did before.
/// </summary>
/// <remarks>
/// <code>
///  ASP.NET Core request span ─▶ Mirror spans (ActivitySource "Mirror") ─▶ HttpClient spans (System.Net.Http)
///                                                                          └ traceparent on the upstream request
///  ─▶ batch processor ─▶ OTLP exporter (grpc :4317 default, http/protobuf :4318 appends /v1/traces)
/// </code>
/// </remarks>
internal static class MirrorTracing
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";
    public const string ResourceAttributesKey = "OTEL_RESOURCE_ATTRIBUTES";
    public const string DefaultServiceName = "mirror";

    /// <summary>Configuration includes the environment, so the variables work as environment variables (the standard way).</summary>
    public static bool IsEnabled(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[EndpointKey]);

    public static IServiceCollection AddMirrorTracing(this IServiceCollection services, IConfiguration configuration)
    {
        if (IsEnabled(configuration))
        {
            AddOtlpTracing(services, configuration);
        }

        return services;
    }

    // Apart, and not inlined: compiling a method loads the assemblies of the types it names, and with tracing off the
    // OpenTelemetry SDK's assemblies are never needed.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddOtlpTracing(IServiceCollection services, IConfiguration configuration) =>
        services.AddOpenTelemetry()
            .ConfigureResource(resource => Describe(resource, configuration))
            .WithTracing(tracing => Instrument(tracing).AddOtlpExporter());

    /// <summary>What is traced, whatever the exporter: the tests use this with an in-memory one.</summary>
    public static TracerProviderBuilder Instrument(TracerProviderBuilder tracing) => tracing
        .AddSource(MirrorActivities.SourceName)
        .AddAspNetCoreInstrumentation(options => options.Filter = context => IsTraced(context.Request.Path))

        // On .NET 9+ the spans are the runtime's own (ActivitySource System.Net.Http, SocketsHttpHandler included,
        // so the upstream clients' HttpMessageInvokers too); this adds the SDK's propagator for traceparent.
        // Query strings in url.full stay redacted (pre-signed CDN redirect URLs carry signatures).
        .AddHttpClientInstrumentation();

    /// <summary>
    /// service.name from <c>OTEL_SERVICE_NAME</c>, else from <c>OTEL_RESOURCE_ATTRIBUTES</c> (the SDK reads both), else
    /// "mirror" rather than the SDK's <c>unknown_service:Mirror.Server</c>; service.version is the build's.
    /// </summary>
    public static ResourceBuilder Describe(ResourceBuilder resource, IConfiguration configuration)
    {
        if (configuration[ServiceNameKey] is { Length: > 0 } name)
        {
            return resource.AddService(name, serviceVersion: BuildInfo.Version);
        }

        return (configuration[ResourceAttributesKey] ?? string.Empty).Contains("service.name=", StringComparison.Ordinal)
            ? resource.AddAttributes([new KeyValuePair<string, object>("service.version", BuildInfo.Version)])
            : resource.AddService(DefaultServiceName, serviceVersion: BuildInfo.Version);
    }

    /// <summary>Probes and scrapes every few seconds would bury the pulls: they are not traced.</summary>
    internal static bool IsTraced(PathString path) =>
        !(path.StartsWithSegments("/metrics") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz"));
}
