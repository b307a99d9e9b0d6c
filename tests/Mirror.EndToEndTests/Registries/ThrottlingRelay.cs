using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mirror.EndToEndTests.Registries;

/// <summary>
/// A TCP relay between the mirror and the upstream that can slow the upstream's answers down, so a cold fill takes
/// long enough for concurrent clients to really overlap (a local registry sends a 4 MB blob in milliseconds):
/// <code>
///   mirror ──► ThrottlingRelay (127.0.0.1:port) ──► UpstreamRegistry
///                  └ upstream→mirror bytes paced at BytesPerSecond per connection while throttled
/// </code>
/// Transparent at the TCP level, so the upstream's access log still shows every request the mirror made.
/// </summary>
internal sealed class ThrottlingRelay : IAsyncDisposable
{
    private const int ChunkSize = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly Uri _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<int, (Socket Client, Socket Upstream)> _connections = new();
    private readonly Task _acceptLoop;
    private int _nextConnection;
    private long _bytesPerSecond;

    public ThrottlingRelay(Uri target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    /// <summary>Paces upstream→mirror bytes until the returned scope is disposed; 0 means full speed.</summary>
    public IDisposable Throttle(long bytesPerSecond)
    {
        Interlocked.Exchange(ref _bytesPerSecond, bytesPerSecond);
        return new ThrottleScope(this);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        foreach (var (client, upstream) in _connections.Values)
        {
            client.Dispose();
            upstream.Dispose();
        }

        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var id = Interlocked.Increment(ref _nextConnection);
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        _connections[id] = (client, upstream);
        try
        {
            await upstream.ConnectAsync(_target.Host, _target.Port, _stopping.Token);
            // Whichever side closes first ends the exchange: HTTP/1.1 keep-alive has nothing to half-close for.
            await Task.WhenAny(PumpAsync(client, upstream, throttled: false), PumpAsync(upstream, client, throttled: true));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _connections.TryRemove(id, out _);
            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool throttled)
    {
        var buffer = new byte[ChunkSize];
        var clock = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
                if (read == 0)
                {
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stopping.Token);
                var rate = Interlocked.Read(ref _bytesPerSecond);
                if (!throttled || rate <= 0)
                {
                    continue;
                }

                // Pace against a schedule that idle time cannot build credit on: a pooled keep-alive connection that
                // sat unused for seconds must not then send seconds' worth of bytes at full speed.
                var now = clock.Elapsed;
                next = (next > now ? next : now) + TimeSpan.FromSeconds((double)read / rate);
                var due = next - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, _stopping.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private sealed class ThrottleScope(ThrottlingRelay relay) : IDisposable
    {
        public void Dispose() => Interlocked.Exchange(ref relay._bytesPerSecond, 0);
    }
}
