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
            _server = new KestrelMetricServer(port: port);
            _server.Start();
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }
}
