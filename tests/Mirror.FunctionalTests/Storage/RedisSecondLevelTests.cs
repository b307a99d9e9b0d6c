using System.Diagnostics;
using System.Net.Sockets;

namespace Mirror.FunctionalTests.Storage;

/// <summary>Two mirrors sharing a real redis-server as the memory tier's second level.</summary>
public sealed class RedisSecondLevelTests : IAsyncLifetime
{
    private Process? _redis;
    private int _port;

    public async Task InitializeAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: apt-get install -y redis-server (bash .ci/run --deps-only does)");
        _port = FreePort.Next();
        _redis = Process.Start(new ProcessStartInfo(binary, $"--port {_port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, _port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("redis-server did not start");
    }

    public Task DisposeAsync()
    {
        if (_redis is { HasExited: false })
        {
            _redis.Kill(entireProcessTree: true);
            _redis.WaitForExit(5000);
        }

        _redis?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Get_TagResolvedByOneMirror_HitForTheOther()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        var digest = upstream.AddManifest("library/app", "1", "{\"schemaVersion\":2,\"shared\":true}");
        var settings = new Dictionary<string, string?> { ["Mirror:Cache:Redis"] = $"127.0.0.1:{_port}" };
        await using var first = await MirrorServer.StartAsync(upstream.Url, settings: settings);
        await using var second = await MirrorServer.StartAsync(upstream.Url, settings: settings);

        using (var a = first.CreateClient())
        using (var response = await a.GetManifestAsync("/v2/app/manifests/1"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var b = second.CreateClient();
        using var shared = await b.GetManifestAsync("/v2/app/manifests/1");

        Assert.Equal(HttpStatusCode.OK, shared.StatusCode);
        Assert.Equal(digest, shared.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal("hit memory", shared.Headers.GetValues("X-Mirror-Cache").Single());
        Assert.Equal(1, upstream.CountMatching("/manifests/"));
    }
}
