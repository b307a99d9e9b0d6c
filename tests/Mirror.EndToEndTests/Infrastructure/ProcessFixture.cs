using System.Diagnostics;
using Xunit.Sdk;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>
/// What every end-to-end fixture does around its own setup: a setup deadline, a <c>/tmp/me2e-*</c> folder, the
/// processes it starts stopped in reverse order (the mirror before the relay or nginx before the registry before the
/// temp folder they write into), also when the setup itself fails half-way, and timed <c>[e2e]</c> log lines.
/// </summary>
/// <param name="diagnostics">xunit's sink for fixture messages.</param>
/// <param name="name">"end-to-end", "multi-upstream"…: for log lines and the not-initialized message.</param>
public abstract class ProcessFixture(IMessageSink diagnostics, string name) : IAsyncLifetime
{
    private readonly AsyncDisposableStack _started = new();
    private readonly Stopwatch _step = new();
    private TempDirectory? _temp;

    internal TempDirectory Temp => _temp ?? throw NotInitialized();

    /// <summary>How long the whole setup may take.</summary>
    private protected virtual TimeSpan SetupTimeout => TimeSpan.FromMinutes(2);

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(SetupTimeout);
        try
        {
            CheckTools();

            // /tmp rather than Path.GetTempPath(): TMPDIR may point somewhere long, and the unix socket limit is hard.
            _temp = _started.PushDisposable(new TempDirectory("me2e-", "/tmp", keep: Environment.GetEnvironmentVariable("MIRROR_E2E_KEEP_TEMP") == "1"));
            Log($"{name} temp folder {_temp.Path}");
            _step.Restart();
            await StartAsync(timeout.Token);
        }
        catch
        {
            // xunit does not dispose a fixture whose InitializeAsync threw; stop what did start.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync() => await _started.DisposeAsync();

    /// <summary>Fails fast, before anything starts, when a program the fixture needs is missing (<see cref="RequiredTool"/>).</summary>
    private protected abstract void CheckTools();

    /// <summary>Starts and seeds everything, in <see cref="Temp"/>; <see cref="Started{T}"/> what must be stopped.</summary>
    private protected abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops <paramref name="resource"/> with the fixture, before everything started earlier.</summary>
    private protected T Started<T>(T resource)
        where T : IAsyncDisposable => _started.Push(resource);

    /// <summary>A docker-registry and the rate-limited nginx in front of it (the fault fixtures' upstream side).</summary>
    private protected async Task<(UpstreamRegistry Upstream, ThrottlingNginx Nginx)> StartRegistryBehindNginxAsync(
        string registryName, string rate, CancellationToken cancellationToken)
    {
        var upstream = Started(await UpstreamRegistry.StartAsync(registryName, Temp.CreateSubdirectory("up"), credentials: null, cancellationToken));
        var nginx = Started(await ThrottlingNginx.StartAsync(Temp.CreateSubdirectory("nginx"), upstream.BaseUri, rate, cancellationToken));
        LogStep($"upstream on {upstream.HostPort}, nginx (limit_rate {rate}) on {nginx.HostPort}");
        return (upstream, nginx);
    }

    /// <summary>Logs <paramref name="message"/> with the time since the previous step, and starts timing the next one.</summary>
    private protected void LogStep(string message)
    {
        Log($"{message} in {_step.Elapsed.TotalSeconds:F1}s");
        _step.Restart();
    }

    private protected void Log(string message) => diagnostics.OnMessage(new DiagnosticMessage($"[e2e] {message}"));

    private protected InvalidOperationException NotInitialized() => new($"The {name} fixture did not initialize; see the first failure.");
}
