namespace Mirror.EndToEndTests.Registries;

/// <summary>
/// The pull-through cache under test, as a separate process on a free 127.0.0.1 port with its cache in its own
/// folder and docker.io routed to the <see cref="UpstreamRegistry"/> (through the <see cref="ThrottlingRelay"/>):
/// <code>
///   client ──► MirrorProcess (127.0.0.1:port) ──► relay ──► UpstreamRegistry (127.0.0.1:port, "docker.io")
/// </code>
/// Ready when GET /v2/ answers 200. <see cref="StartServerAsync"/> starts Mirror.Server with several upstreams
/// (<see cref="MirrorUpstream"/>) instead, for the multi-registry tests.
/// </summary>
internal sealed class MirrorProcess(MirrorTarget target, BackgroundProcess process, int port, DockerRegistryProcess? distribution = null)
    : IAsyncDisposable
{
    private const string TargetVariable = "MIRROR_E2E_TARGET";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public MirrorTarget Target => target;

    public int Port => port;

    /// <summary>host:port as registries.conf, hosts.toml and image references want it.</summary>
    public string HostPort => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{HostPort}/");

    /// <summary>MIRROR_E2E_TARGET: unset or "mirror" for Mirror.Server, "distribution" for docker-registry proxy mode.</summary>
    public static MirrorTarget TargetFromEnvironment() =>
        (Environment.GetEnvironmentVariable(TargetVariable) ?? string.Empty).Trim().ToLowerInvariant() switch
        {
            "" or "mirror" => MirrorTarget.Mirror,
            "distribution" => MirrorTarget.Distribution,
            var other => throw new InvalidOperationException($"{TargetVariable}='{other}' is not one of: mirror, distribution."),
        };

    /// <summary>Fails fast, before the fixture spends seconds seeding images, when the target cannot be started.</summary>
    public static void EnsureAvailable(MirrorTarget target)
    {
        _ = target == MirrorTarget.Mirror ? FindServerDll() : RequiredTool.DockerRegistry.Resolve();
    }

    /// <param name="target">Which implementation to start.</param>
    /// <param name="upstream">Where docker.io lives for the mirror (the upstream, or a relay in front of it).</param>
    /// <param name="directory">The mirror's own folder (cache, config).</param>
    /// <param name="cancellationToken">Aborts the start.</param>
    public static async Task<MirrorProcess> StartAsync(
        MirrorTarget target, Uri upstream, string directory, CancellationToken cancellationToken)
    {
        if (target == MirrorTarget.Distribution)
        {
            var proxy = await DockerRegistryProcess.StartAsync("mirror (docker-registry proxy)", directory, upstream, cancellationToken);
            return new MirrorProcess(target, proxy.Process, proxy.Port, proxy);
        }

        return await StartServerAsync([new MirrorUpstream("docker.io", upstream)], "docker.io", directory, [], cancellationToken);
    }

    /// <summary>
    /// Mirror.Server with several upstreams (<c>--Mirror:Upstreams:&lt;i&gt;:…</c>) — there is no docker-registry
    /// equivalent, so this always starts Mirror.Server, whatever MIRROR_E2E_TARGET says.
    /// </summary>
    /// <param name="upstreams">The registries, in configuration order.</param>
    /// <param name="defaultUpstream">Mirror:DefaultUpstream: the Name that requests naming no registry go to.</param>
    /// <param name="directory">The mirror's own folder (cache).</param>
    /// <param name="extraArguments">More <c>--Mirror:…=…</c> settings, appended last so they win.</param>
    /// <param name="cancellationToken">Aborts the start.</param>
    /// <param name="fixedPort">The port to listen on (a cluster node, whose peers know it in advance); null for a free one.</param>
    public static async Task<MirrorProcess> StartServerAsync(
        IReadOnlyList<MirrorUpstream> upstreams,
        string defaultUpstream,
        string directory,
        IEnumerable<string> extraArguments,
        CancellationToken cancellationToken,
        int? fixedPort = null)
    {
        var serverDll = FindServerDll();
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var port = fixedPort ?? FreePort.Next();
        List<string> arguments =
        [
            serverDll,
            "--urls", $"http://127.0.0.1:{port}",
            $"--Mirror:Cache:Directory={Path.Combine(directory, "cache")}",
            $"--Mirror:DefaultUpstream={defaultUpstream}",
        ];
        for (var i = 0; i < upstreams.Count; i++)
        {
            arguments.AddRange(upstreams[i].ToArguments(i));
        }

        arguments.AddRange(extraArguments);

        // Run from the dll's folder so the content root (appsettings.json) is the build output, as in a deployment;
        // the environment is pinned so a developer's ASPNETCORE_ENVIRONMENT=Development does not change behaviour.
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var process = BackgroundProcess.Start(
            "mirror (Mirror.Server)", dotnet, arguments, environment, workingDirectory: Path.GetDirectoryName(serverDll));
        try
        {
            await RegistryHttp.WaitForV2Async(new Uri($"http://127.0.0.1:{port}/"), process, StartTimeout, cancellationToken);
            return new MirrorProcess(MirrorTarget.Mirror, process, port);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether the process has ended (killed, stopped or crashed).</summary>
    public bool HasExited => process.HasExited;

    /// <summary>
    /// SIGKILL at once, no SIGTERM first: a crash, not a shutdown (no index checkpoint, fills cut mid-write, the kernel
    /// closes every client connection). The log lines stay readable; <see cref="DisposeAsync"/> is then a no-op.
    /// </summary>
    public Task KillAsync() => process.KillAsync();

    public string Describe(int maxLines = 40) => process.Describe(maxLines);

    /// <summary>Everything the mirror has logged so far (console logger: a category line, then the message).</summary>
    public IReadOnlyList<string> LogLines() => process.Lines();

    public async ValueTask DisposeAsync()
    {
        if (distribution is not null)
        {
            await distribution.DisposeAsync();
        }
        else
        {
            await process.DisposeAsync();
        }
    }

    /// <summary>
    /// src/Mirror.Server/bin/&lt;Configuration&gt;/net10.0/Mirror.Server.dll, or MIRROR_E2E_SERVER_DLL (e.g. a publish
    /// folder in CI).
    /// </summary>
    internal static string FindServerDll()
    {
        if (Environment.GetEnvironmentVariable("MIRROR_E2E_SERVER_DLL") is { Length: > 0 } overridden)
        {
            return File.Exists(overridden)
                ? overridden
                : throw new InvalidOperationException($"MIRROR_E2E_SERVER_DLL={overridden} does not exist.");
        }

        var bin = Path.Combine(RepositoryRoot.Path, "src", "Mirror.Server", "bin");
        var expected = Path.Combine(bin, RepositoryLayout.Configuration, "net10.0", "Mirror.Server.dll");
        if (File.Exists(expected))
        {
            return expected;
        }

        var others = Directory.Exists(bin)
            ? Directory.GetFiles(bin, "Mirror.Server.dll", SearchOption.AllDirectories)
            : [];
        throw new InvalidOperationException(
            $"Mirror.Server.dll not found at {expected} (configuration '{RepositoryLayout.Configuration}'). " +
            $"Build it with `dotnet build src/Mirror.Server -c {RepositoryLayout.Configuration}`, set MIRROR_E2E_SERVER_DLL, " +
            $"or set {TargetVariable}=distribution to run the harness against docker-registry's proxy mode." +
            (others.Length > 0 ? $" Found builds for other configurations: {string.Join(", ", others)}" : string.Empty));
    }
}
