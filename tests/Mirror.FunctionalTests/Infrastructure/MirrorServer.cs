using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Mirror.Server.Hosting;

namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>
/// The real mirror on real Kestrel (127.0.0.1, port 0), configured like the command line would. Without a cache
/// folder of the caller's it gets a temp folder of its own, deleted when it stops.
/// </summary>
public sealed class MirrorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private TempDirectory? _ownCache;
    private int _disposed;

    private MirrorServer(WebApplication app, string cacheDirectory)
    {
        _app = app;
        CacheDirectory = cacheDirectory;
    }

    public Uri Url { get; private init; } = null!;

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

    /// <summary>Starts a mirror with these upstreams, in this order (the first one, docker.io, is the default).</summary>
    public static Task<MirrorServer> StartAsync(params (string Name, Uri Url)[] upstreams)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < upstreams.Length; i++)
        {
            settings[$"Mirror:Upstreams:{i}:Name"] = upstreams[i].Name;
            settings[$"Mirror:Upstreams:{i}:Url"] = upstreams[i].Url.AbsoluteUri;
        }

        return StartAsync(settings);
    }

    /// <param name="configure">Runs before <c>AddMirror</c>: a test's logger provider or trace exporter.</param>
    public static async Task<MirrorServer> StartAsync(IDictionary<string, string?> settings, string? cacheDirectory = null, Action<WebApplicationBuilder>? configure = null)
    {
        var ownCache = cacheDirectory is null ? new TempDirectory() : null;
        cacheDirectory ??= ownCache!.Path;
        try
        {
            var builder = LoopbackApp.CreateBuilder();
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mirror:Cache:Directory"] = cacheDirectory });
            configure?.Invoke(builder);
            builder.Services.AddMirror(builder.Configuration);
            var app = builder.Build();
            app.MapMirror();
            return new MirrorServer(app, cacheDirectory) { Url = await LoopbackApp.StartAsync(app), _ownCache = ownCache };
        }
        catch
        {
            ownCache?.Dispose();
            throw;
        }
    }

    /// <summary>Stops the mirror; a second call (a test's <c>await using</c>, then its fixture) does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await LoopbackApp.StopAsync(_app);
        _ownCache?.Dispose();
    }
}
