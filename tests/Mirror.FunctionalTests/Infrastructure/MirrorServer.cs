using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mirror.Server.Hosting;

namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>The real mirror on real Kestrel (127.0.0.1, port 0), configured like the command line would.</summary>
public sealed class MirrorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MirrorServer(WebApplication app, string cacheDirectory)
    {
        _app = app;
        CacheDirectory = cacheDirectory;
    }

    public Uri Url { get; private set; } = null!;

    public string CacheDirectory { get; }

    public IServiceProvider Services => _app.Services;

    public HttpClient CreateClient() => new() { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Starts a mirror whose default upstream, docker.io, is <paramref name="upstream"/>.</summary>
    /// <param name="configure">Runs before <c>AddMirror</c>: a test's logger provider or trace exporter.</param>
    public static Task<MirrorServer> StartAsync(Uri upstream, string? cacheDirectory = null, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Mirror:Upstreams:0:Name"] = "docker.io",
            ["Mirror:Upstreams:0:Url"] = upstream.AbsoluteUri,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return StartAsync(values, cacheDirectory, configure);
    }

    public static async Task<MirrorServer> StartAsync(IDictionary<string, string?> settings, string? cacheDirectory = null, Action<WebApplicationBuilder>? configure = null)
    {
        cacheDirectory ??= TempDirectory.Create();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mirror:Cache:Directory"] = cacheDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        configure?.Invoke(builder);
        builder.Services.AddMirror(builder.Configuration);
        var app = builder.Build();
        app.MapMirror();
        await app.StartAsync();
        var server = new MirrorServer(app, cacheDirectory);
        server.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
