namespace Mirror.Server.Hosting;

/// <summary>
/// Whether the host finished starting (Kestrel bound, hosted services started): until then <see cref="ConsoleLogging"/>
/// holds back the host's own error events, because <see cref="MirrorHost"/> reports a failed start itself.
/// </summary>
internal sealed class StartupPhase
{
    private volatile bool _started;

    public bool Started => _started;

    public void MarkStarted() => _started = true;
}
