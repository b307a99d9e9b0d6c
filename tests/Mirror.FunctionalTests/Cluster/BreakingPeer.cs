using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Mirror.Cluster;

namespace Mirror.FunctionalTests.Cluster;

/// <summary>
/// A cluster member that answers the peer route like an owner (secret checked, node header, full Content-Length) and
/// dies after <see cref="BreakAfter"/> body bytes: an owner killed mid-stream.
/// </summary>
public sealed class BreakingPeer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, byte[]> _blobs = [];
    private int _requests;

    private BreakingPeer(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public long BreakAfter { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public void Add(string digest, byte[] content) => _blobs[digest] = content;

    public static async Task<BreakingPeer> StartAsync(int port)
    {
        var builder = LoopbackApp.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var peer = new BreakingPeer(app);
        app.Map(PeerProtocol.HealthPath, (HttpContext c) => { c.Response.Headers[PeerProtocol.NodeHeader] = "breaking"; return Task.CompletedTask; });
        app.Map(PeerProtocol.RoutePrefix + "/{**path}", peer.HandleAsync);
        peer.Url = await LoopbackApp.StartAsync(app);
        return peer;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var digest = context.Request.Path.Value![(context.Request.Path.Value!.LastIndexOf('/') + 1)..];
        if (context.Request.Headers[PeerProtocol.SecretHeader] != ClusterNodes.Secret || !_blobs.TryGetValue(digest, out var content))
        {
            context.Response.StatusCode = 404;
            return;
        }

        context.Response.Headers[PeerProtocol.NodeHeader] = "breaking";
        context.Response.ContentLength = content.Length;
        await context.Response.StartAsync();
        await context.Response.Body.WriteAsync(content.AsMemory(0, (int)BreakAfter));
        await context.Response.Body.FlushAsync();
        await Task.Delay(100);
        context.Abort();
    }

    public ValueTask DisposeAsync() => LoopbackApp.StopAsync(_app);
}
