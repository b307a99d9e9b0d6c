using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Prometheus;

namespace Mirror.Server.Hosting;

/// <summary>Serves <c>/metrics</c> on <c>Mirror:Metrics:Port</c> when one is set, apart from the registry API.</summary>
internal sealed class MetricsPortServer(IOptions<MirrorOptions> options) : IHostedService
{
    private KestrelMetricServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var metrics = options.Value.Metrics;
        if (metrics.Enabled && metrics.Port is { } port)
        {
            _server = Start(port);
        }

        return Task.CompletedTask;
    }

    // Apart and not inlined: KestrelMetricServer's constructor names X509Certificate2, and compiling StartAsync with it
    // inline would load the certificate assemblies at every start, with or without a metrics port.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static KestrelMetricServer Start(int port)
    {
        var server = new KestrelMetricServer(port: port);
        server.Start();
        return server;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }
}
