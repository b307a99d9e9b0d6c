namespace Mirror.Server.Cli;

/// <summary>What the command line asks for.</summary>
internal enum CommandKind
{
    /// <summary>Run the mirror (the default when no command is named).</summary>
    Serve,

    /// <summary>Print the usage text and exit 0.</summary>
    Help,

    /// <summary>Print the version and commit and exit 0.</summary>
    Version,

    /// <summary>Warm a running mirror through its admin API (<see cref="PrewarmCommand"/>).</summary>
    Prewarm,

    /// <summary>The command line is wrong: print <see cref="Command.Errors"/> and exit <see cref="ExitCodes.Usage"/>.</summary>
    Invalid,
}
