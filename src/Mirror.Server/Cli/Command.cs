namespace Mirror.Server.Cli;

/// <summary>A parsed command line.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Arguments">
/// For <see cref="CommandKind.Serve"/>: the configuration arguments (<c>--urls X</c>, <c>--Mirror:…=…</c>) for the
/// host, without the command word.
/// </param>
/// <param name="Errors">For <see cref="CommandKind.Invalid"/>: every problem found, one per entry.</param>
/// <param name="Keys">The configuration keys the arguments set (<c>urls</c>, <c>Mirror:Cache:Directory</c>…).</param>
internal sealed record Command(CommandKind Kind, IReadOnlyList<string> Arguments, IReadOnlyList<string> Errors, IReadOnlySet<string> Keys)
{
    public static Command Of(CommandKind kind) =>
        new(kind, [], [], new HashSet<string>(StringComparer.OrdinalIgnoreCase));

    public static Command Invalid(params IReadOnlyList<string> errors) =>
        new(CommandKind.Invalid, [], errors, new HashSet<string>(StringComparer.OrdinalIgnoreCase));

    /// <summary>Whether the arguments set configuration key <paramref name="key"/> (case-insensitive, as configuration is).</summary>
    public bool Sets(string key) => Keys.Contains(key);
}
