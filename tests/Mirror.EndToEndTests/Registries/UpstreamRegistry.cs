using Mirror.EndToEndTests.Infrastructure;

namespace Mirror.EndToEndTests.Registries;

/// <summary>
/// The registry the mirror pulls from (stands in for Docker Hub). Its access log tells how often the mirror really
/// went upstream, which is how the tests see coalescing and caching from the outside.
/// </summary>
internal sealed class UpstreamRegistry : IAsyncDisposable
{
    private readonly DockerRegistryProcess _registry;

    private UpstreamRegistry(DockerRegistryProcess registry) => _registry = registry;

    public string HostPort => _registry.HostPort;

    public Uri BaseUri => _registry.BaseUri;

    public static async Task<UpstreamRegistry> StartAsync(string directory, CancellationToken cancellationToken) =>
        new(await DockerRegistryProcess.StartAsync("upstream docker-registry", directory, proxyRemoteUrl: null, cancellationToken));

    /// <summary>Every request the upstream has logged so far, oldest first.</summary>
    public IReadOnlyList<AccessLogEntry> AccessLog() =>
        [.. _registry.Process.Lines().Select(AccessLogEntry.TryParse).OfType<AccessLogEntry>()];

    /// <summary>How many GETs (any status) the upstream served whose path contains <paramref name="pathContains"/>.</summary>
    public int CountGets(string pathContains) =>
        AccessLog().Count(e => e.Method == "GET" && e.Path.Contains(pathContains, StringComparison.Ordinal));

    /// <summary>How many times the blob body was fetched (GET; a HEAD does not move the bytes).</summary>
    public int CountBlobGets(string repository, string digest) => CountGets($"/v2/{repository}/blobs/{digest}");

    /// <summary>
    /// Waits until the access log has stopped growing: the registry logs a request after its response completes,
    /// and a client can finish reading before that line reaches us.
    /// </summary>
    public async Task WaitForQuietAsync(CancellationToken cancellationToken)
    {
        var count = _registry.Process.Lines().Count;
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(150, cancellationToken);
            var now = _registry.Process.Lines().Count;
            if (now == count)
            {
                return;
            }

            count = now;
        }
    }

    public string Describe(int maxLines = 40) => _registry.Process.Describe(maxLines);

    public ValueTask DisposeAsync() => _registry.DisposeAsync();
}
