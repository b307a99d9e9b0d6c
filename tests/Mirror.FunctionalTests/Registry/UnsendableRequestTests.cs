using System.Net.Sockets;

namespace Mirror.FunctionalTests.Registry;

/// <summary>What the pass-through cannot send on is the client's fault: 400 with OCI error JSON, not a 502.</summary>
public sealed class UnsendableRequestTests() : MirrorWithUpstream(new Dictionary<string, string?> { ["Mirror:Upstreams:0:AllowPush"] = "true" })
{
    [Fact]
    public async Task Forward_NonAsciiHeaderValue_400()
    {
        var answer = await RawAsync(
            "PUT /v2/library/app/manifests/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Note: caf\u00e9 \u00fc\r\nContent-Length: 2\r\n\r\n{}");

        // Kestrel refuses non-ASCII header bytes itself (a bare 400, before the mirror runs); were it to let them
        // through, the pass-through maps what it cannot send to a 400 too (PassThrough.IsClientFault).
        Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_BrokenChunkedBody_4xxNot502()
    {
        var answer = await RawAsync(
            "PUT /v2/library/app/blobs/uploads/x?digest=sha256:" + new string('a', 64) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\nnot a chunk\r\n");

        Assert.Matches(@"^HTTP/1\.1 4\d\d", answer);
    }

    private async Task<string> RawAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Mirror.Url.Host, Mirror.Url.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[8192];
        var received = new StringBuilder();
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Append(Encoding.Latin1.GetString(buffer, 0, read));
                if (received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && received.ToString().Contains("}]}", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The server closed the connection after its answer.
        }

        return received.ToString();
    }
}
