namespace Mirror.EndToEndTests.Registries;

/// <summary>
/// The registry the mirror pulls from (stands in for Docker Hub). Its access log tells how often the mirror really
/// went upstream, which is how the tests see coalescing and caching from the outside.
/// </summary>
/// <remarks>
/// <see cref="KillAsync"/> and <see cref="RestartAsync"/> crash it and bring it back on the same port with the same
/// storage (the fault tests); the access log covers every run of it, oldest first.
/// </remarks>
internal sealed class UpstreamRegistry : IAsyncDisposable
{
    private readonly string _directory;
    private readonly List<DockerRegistryProcess> _earlierRuns = [];
    private DockerRegistryProcess _registry;

    private UpstreamRegistry(DockerRegistryProcess registry, string directory, string name, RegistryCredentials? credentials)
    {
        _registry = registry;
        _directory = directory;
        Name = name;
        Credentials = credentials;
    }

    /// <summary>What the logs call it ("upstream docker-registry", "upstream registry-b.test").</summary>
    public string Name { get; }

    public string HostPort => _registry.HostPort;

    public Uri BaseUri => _registry.BaseUri;

    /// <summary>The user the registry requires (htpasswd basic auth), or null when it is anonymous.</summary>
    public RegistryCredentials? Credentials { get; }

    public static Task<UpstreamRegistry> StartAsync(string directory, CancellationToken cancellationToken) =>
        StartAsync("upstream docker-registry", directory, credentials: null, cancellationToken);

    /// <param name="name">For logs and messages.</param>
    /// <param name="directory">The registry's own folder.</param>
    /// <param name="credentials">With a user, the registry requires it (htpasswd basic auth, realm "test").</param>
    /// <param name="cancellationToken">Aborts the start.</param>
    public static async Task<UpstreamRegistry> StartAsync(
        string name, string directory, RegistryCredentials? credentials, CancellationToken cancellationToken) =>
        new(await DockerRegistryProcess.StartAsync(name, directory, proxyRemoteUrl: null, credentials, cancellationToken), directory, name, credentials);

    /// <summary>False between <see cref="KillAsync"/> and <see cref="RestartAsync"/>.</summary>
    public bool IsRunning => !_registry.Process.HasExited;

    /// <summary>SIGKILL: the registry dies mid-whatever, its port refuses connections until <see cref="RestartAsync"/>.</summary>
    public Task KillAsync() => _registry.Process.KillAsync();

    /// <summary>A new registry process on the same port and storage (a no-op while one runs).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            return;
        }

        var next = await DockerRegistryProcess.StartAsync(
            Name, _directory, proxyRemoteUrl: null, Credentials, fixedPort: _registry.Port, cancellationToken);
        _earlierRuns.Add(_registry);
        _registry = next;
    }

    /// <summary>Every request the upstream has logged so far (across restarts), oldest first.</summary>
    public IReadOnlyList<AccessLogEntry> AccessLog() =>
        [.. _earlierRuns.Append(_registry).SelectMany(r => r.Process.Lines()).Select(AccessLogEntry.TryParse).OfType<AccessLogEntry>()];

    /// <summary>How many GETs (any status) the upstream served whose path contains <paramref name="pathContains"/>.</summary>
    public int CountGets(string pathContains) =>
        AccessLog().Count(e => e.Method == "GET" && e.Path.Contains(pathContains, StringComparison.Ordinal));

    /// <summary>The GETs (any status) of <paramref name="blob"/>'s bytes the upstream has logged, oldest first.</summary>
    public List<AccessLogEntry> BlobGets(FaultBlob blob) =>
        [.. AccessLog().Where(e => e.Method == "GET" && e.Path == $"/v2/{blob.Repository}/blobs/{blob.Digest}")];

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

    public async ValueTask DisposeAsync()
    {
        foreach (var run in _earlierRuns.Append(_registry))
        {
            await run.DisposeAsync();
        }
    }
}
