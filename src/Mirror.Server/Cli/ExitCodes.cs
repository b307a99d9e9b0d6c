namespace Mirror.Server.Cli;

/// <summary>
/// The process exit codes, documented in docs/operations.md. 2 for a bad command line follows the shell's
/// convention (bash builtins, getopt): a wrapper script can tell "you called it wrong" from "it could not start".
/// </summary>
internal static class ExitCodes
{
    /// <summary>Ran and stopped normally, or printed what <c>--help</c>/<c>--version</c> asked for.</summary>
    public const int Success = 0;

    /// <summary>Could not start: invalid configuration, a port already in use or not permitted, an unusable cache directory.</summary>
    public const int StartFailed = 1;

    /// <summary>The command line itself is wrong: an unknown option or command, an option without its value.</summary>
    public const int Usage = 2;
}
