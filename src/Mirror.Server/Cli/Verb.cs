namespace Mirror.Server.Cli;

/// <summary>
/// A command word (<c>Mirror.Server serve …</c>): its name, one line of help, and the parser for the arguments
/// after it. A later command (<c>prewarm --mirror URL IMAGE…</c>) is one more entry in <see cref="CommandLine"/>'s
/// table with its own parser and <see cref="CommandKind"/>.
/// </summary>
internal sealed record Verb(string Name, string Summary, Func<IReadOnlyList<string>, Command> Parse);
