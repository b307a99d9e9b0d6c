using System.Net;
using System.Net.Sockets;

namespace Mirror.Testing;

/// <summary>Free TCP ports on 127.0.0.1: for processes that cannot listen on port 0 and report it back, and for an
/// address nothing listens on (an unreachable upstream).</summary>
public static class FreePort
{
    /// <remarks>
    /// There is a window between releasing the port and the child binding it; callers that start a server retry
    /// on "address already in use" instead of assuming the port is still free.
    /// </remarks>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary><c>http://127.0.0.1:&lt;free port&gt;</c>: connections to it are refused.</summary>
    public static Uri UnreachableUrl() => new($"http://127.0.0.1:{Next()}");
}
