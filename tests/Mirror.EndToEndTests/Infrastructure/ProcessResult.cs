namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>The outcome of a program run to completion by <see cref="ProcessRunner"/>.</summary>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

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
