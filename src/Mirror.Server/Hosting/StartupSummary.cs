using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Mirror.Configuration;

namespace Mirror.Server.Hosting;

/// <summary>
/// One event (6001) once the server listens: version, the addresses really bound (port 0 resolved), the cache and its
/// caps, each upstream with its auth mode, memory tier, admin and metrics — what an operator checks first.
/// </summary>
internal sealed partial class StartupSummary(
    IOptions<MirrorOptions> options,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<StartupSummary> logger) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // ApplicationStarted fires after Kestrel bound every address, so the feature holds the real ports.
        _registration = lifetime.ApplicationStarted.Register(Write);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    private void Write()
    {
        var urls = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var facts = StartupFacts.From(options.Value, urls);
        Log.Started(logger, facts.Version, facts.Urls, facts.CacheDirectory, facts.MaxDiskSize, facts.MaxMemorySize,
            facts.Upstreams, facts.DefaultUpstream, facts.MemoryTier, facts.Admin, facts.Metrics);
    }

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Information,
            "Mirror {Version} listening on {Urls}; cache {CacheDirectory} (disk cap {MaxDiskSize}, memory cap {MaxMemorySize}); " +
            "upstreams: {Upstreams}; default {DefaultUpstream}; memory tier {MemoryTier}; admin {Admin}; metrics {Metrics}")]
        public static partial void Started(ILogger logger, string version, string urls, string cacheDirectory, string maxDiskSize,
            string maxMemorySize, string upstreams, string defaultUpstream, string memoryTier, string admin, string metrics);
    }
}
