namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>
/// A <see cref="FakeRegistry"/> and a <see cref="MirrorServer"/> whose docker.io is that registry, started for each
/// test of a class that derives from this one (xunit builds the class, so its <see cref="IAsyncLifetime"/>, per test)
/// and disposed in reverse order: every mirror the test started, then the upstream, then the mirrors' cache folders.
/// </summary>
/// <param name="settings">More <c>Mirror:…</c> settings for <see cref="Mirror"/>.</param>
/// <param name="startMirror">False for classes whose tests set the upstream up first and then start their own mirror
/// with <see cref="StartMirrorAsync"/>.</param>
public abstract class MirrorWithUpstream(IDictionary<string, string?>? settings = null, bool startMirror = true) : IAsyncLifetime
{
    private readonly AsyncDisposableStack _started = new();
    private readonly List<TempDirectory> _cacheFolders = [];
    private FakeRegistry? _upstream;
    private MirrorServer? _mirror;

    public FakeRegistry Upstream => _upstream ?? throw new InvalidOperationException("Not started yet.");

    public MirrorServer Mirror => _mirror ?? throw new InvalidOperationException("Not started (yet, or at all: startMirror is false).");

    public async Task InitializeAsync()
    {
        // The mirrors' cache folders go last, after the upstream: a fill a test walked away from keeps running on
        // its detached token until the upstream is gone, and must not recreate folders in a deleted cache.
        _started.Push(() =>
        {
            _cacheFolders.ForEach(folder => folder.Dispose());
            return ValueTask.CompletedTask;
        });
        _upstream = _started.Push(await FakeRegistry.StartAsync());
        ConfigureUpstream(_upstream);
        if (startMirror)
        {
            _mirror = await StartMirrorAsync(settings);
        }
    }

    public async Task DisposeAsync() => await _started.DisposeAsync();

    /// <summary>
    /// Another mirror in front of the same upstream (other settings, or the same cache folder again), stopped with
    /// this fixture if the test does not stop it first.
    /// </summary>
    public async Task<MirrorServer> StartMirrorAsync(IDictionary<string, string?>? mirrorSettings = null, string? cacheDirectory = null)
    {
        if (cacheDirectory is null)
        {
            var folder = new TempDirectory();
            _cacheFolders.Add(folder);
            cacheDirectory = folder.Path;
        }

        return _started.Push(await MirrorServer.StartAsync(Upstream.Url, cacheDirectory, mirrorSettings));
    }

    /// <summary>Runs once the upstream is up, before the mirror starts: what the upstream holds or demands from the start.</summary>
    protected virtual void ConfigureUpstream(FakeRegistry upstream)
    {
    }
}
