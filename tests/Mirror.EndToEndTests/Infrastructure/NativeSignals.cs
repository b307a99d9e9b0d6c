using System.Runtime.InteropServices;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>
/// SIGTERM for a graceful stop: .NET's Process.Kill only sends SIGKILL, which gives dockerd and containerd no chance
/// to stop their children and unmount. P/Invoke rather than /bin/kill, which a minimal image may not have (procps).
/// SIGSTOP/SIGCONT freeze and thaw a process: its sockets stay open but nothing is read or sent (a stalled upstream).
/// </summary>
internal static class NativeSignals
{
    private const int Sigterm = 15;
    private const int Sigcont = 18;
    private const int Sigstop = 19;

    public static bool TryTerminate(int processId) => Kill(processId, Sigterm) == 0;

    public static bool TryFreeze(int processId) => Kill(processId, Sigstop) == 0;

    public static bool TryThaw(int processId) => Kill(processId, Sigcont) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
