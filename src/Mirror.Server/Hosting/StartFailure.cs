using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Mirror.Server.Hosting;

/// <summary>
/// Turns what stops a start into the lines an operator reads on stderr — <c>Mirror cannot start: http://127.0.0.1:5000
/// is already in use</c> — instead of a stack trace. Only failures of the environment or the configuration are
/// explained; anything else is a bug and keeps its stack trace (<see cref="Describe"/> returns null).
/// </summary>
internal static partial class StartFailure
{
    public const string Prefix = "Mirror cannot start: ";

    /// <summary>The lines to print, or null when <paramref name="exception"/> is not a start failure Mirror explains.</summary>
    /// <param name="exception">What stopped the start.</param>
    /// <param name="stage">Where it stopped.</param>
    /// <param name="cacheDirectory">The configured cache directory, named when it is the problem.</param>
    /// <param name="urls">The configured listen addresses, named when the exception does not say which one failed.</param>
    public static IReadOnlyList<string>? Describe(Exception exception, StartStage stage, string cacheDirectory, string? urls)
    {
        if (ValidationFailures(exception) is { Count: > 0 } failures)
        {
            // Every configuration problem at once: one line when there is one, else a list.
            return failures.Count == 1
                ? [Prefix + failures[0]]
                : [Prefix + "the configuration has errors:", .. failures.Select(f => "  - " + f)];
        }

        var chain = Chain(exception).ToList();
        var address = chain.Select(e => AddressPattern().Match(e.Message)).FirstOrDefault(m => m.Success)?.Groups["address"].Value;
        var where = address ?? urls ?? "the configured address";
        if (chain.Any(e => e is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }))
        {
            return [$"{Prefix}{where} is already in use (another process listens there; choose another address with --urls)."];
        }

        if (chain.Any(e => e is SocketException { SocketErrorCode: SocketError.AccessDenied }))
        {
            return [$"{Prefix}permission denied to listen on {where} (ports below 1024 need root or CAP_NET_BIND_SERVICE)."];
        }

        if (chain.Any(e => e is SocketException { SocketErrorCode: SocketError.AddressNotAvailable }))
        {
            return [$"{Prefix}{where} is not an address of this machine."];
        }

        return (stage, exception) switch
        {
            // Creating the services opens the cache directory: the only files touched at that point.
            (StartStage.Composing, IOException or UnauthorizedAccessException) =>
                [$"{Prefix}the cache directory {Path.GetFullPath(cacheDirectory)} cannot be used: {exception.Message}"],
            (StartStage.Building, FormatException or InvalidDataException) =>
                [$"{Prefix}the configuration cannot be read: {OneLine(exception)}"],
            (StartStage.Starting, IOException or UnauthorizedAccessException or SocketException) =>
                [$"{Prefix}{OneLine(exception)}"],
            _ => null,
        };
    }

    private static List<string> ValidationFailures(Exception exception) => exception switch
    {
        OptionsValidationException invalid => [.. invalid.Failures],
        AggregateException many when many.InnerExceptions.All(e => e is OptionsValidationException) =>
            [.. many.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures)],
        _ => [],
    };

    private static IEnumerable<Exception> Chain(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            yield return exception;
        }
    }

    private static string OneLine(Exception exception) =>
        string.Join(": ", Chain(exception).Select(e => e.Message.ReplaceLineEndings(" ").TrimEnd('.')).Distinct());

    /// <summary>Kestrel's "Failed to bind to address http://127.0.0.1:5000: address already in use."</summary>
    [GeneratedRegex(@"address (?<address>[a-z][a-z0-9+.-]*://\S+?):?(\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex AddressPattern();
}
