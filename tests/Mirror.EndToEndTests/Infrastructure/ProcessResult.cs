
namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>The outcome of a program run to completion by <see cref="ProcessRunner"/>.</summary>
/// <param name="CommandLine">The command as a shell would show it, for messages.</param>
/// <param name="ExitCode">The program's exit code.</param>
/// <param name="StandardOutputBytes">stdout exactly as written: a raw manifest must hash to its digest.</param>
/// <param name="StandardError">stderr as UTF-8 text.</param>
/// <param name="Elapsed">Wall-clock time from start to exit.</param>
internal sealed record ProcessResult(string CommandLine, int ExitCode, byte[] StandardOutputBytes, string StandardError, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    public string StandardOutput => System.Text.Encoding.UTF8.GetString(StandardOutputBytes);

    /// <summary>Throws with the command line and both outputs when the program failed.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (!Succeeded)
        {
            throw new InvalidOperationException(
                $"'{CommandLine}' exited with {ExitCode} after {Elapsed.TotalSeconds:F1}s.\n" +
                $"--- stdout ---\n{Tail(StandardOutput)}\n--- stderr ---\n{Tail(StandardError)}");
        }

        return this;
    }

    public static string Tail(string text, int maxLines = 40)
    {
        var lines = text.Split('\n');
        return lines.Length <= maxLines ? text : string.Join('\n', lines[^maxLines..]);
    }
}
