using System.Text.Encodings.Web;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Mirror.Configuration;

namespace Mirror.Server.Hosting;

/// <summary>
/// The console logger as configuration chooses it: <c>Logging:Console:FormatterName</c> = <c>simple</c> (the default,
/// one line per event), <c>json</c> (one JSON object per line, for log shippers) or <c>systemd</c> (journal priority
/// prefixes, no colours). Only what configuration leaves unset is filled in here.
/// </summary>
internal static class ConsoleLogging
{
    public const string FormatterNameKey = "Logging:Console:FormatterName";

    /// <summary>The formatters the console logger ships with, the only names it resolves.</summary>
    public static readonly IReadOnlyList<string> FormatterNames =
        [ConsoleFormatterNames.Simple, ConsoleFormatterNames.Json, ConsoleFormatterNames.Systemd];

    /// <summary>The host's own category: it logs a failed start as an error with the whole stack trace.</summary>
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    public static ILoggingBuilder AddMirrorConsole(this ILoggingBuilder logging, IConfiguration configuration)
    {
        // The host has added the console logger, bound to Logging:Console. The slim builder adds it with
        // AddSimpleConsole(), which pins the formatter to "simple" after that binding, over whatever the configuration
        // says (json would be silently ignored): the configured name is put back after every Configure has run.
        logging.AddConsole();
        logging.Services.PostConfigure<ConsoleLoggerOptions>(o => o.FormatterName = configuration[FormatterNameKey] is { Length: > 0 } name ? name : ConsoleFormatterNames.Simple);
        logging.Services.Configure<ConsoleLoggerOptions>(o =>
        {
            // One log line per request is useful until it throttles the data path: when the console cannot keep up,
            // drop lines rather than make requests wait for the logger's queue.
            o.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite;
            o.MaxQueueLength = 10_000;
        });
        logging.Services.Configure<SimpleConsoleFormatterOptions>(o =>
        {
            if (configuration["Logging:Console:FormatterOptions:SingleLine"] is null)
            {
                o.SingleLine = true;
            }
        });
        logging.Services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            // Log lines are not HTML: keep '+', '<' and non-ASCII readable instead of \u002B escapes.
            o.JsonWriterOptions = o.JsonWriterOptions with { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

            // Shippers want a time on every event; ISO 8601 in UTC sorts and parses everywhere.
            if (configuration["Logging:Console:FormatterOptions:TimestampFormat"] is null)
            {
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.UseUtcTimestamp = true;
            }
        });
        logging.Services.AddSingleton<IValidateOptions<MirrorOptions>>(new ConsoleFormatterCheck(configuration));

        // A start that fails is reported by MirrorHost as one line on stderr; the host's own "Hosting failed to
        // start" error would put the stack trace on stdout as well. Only errors before the start completed are
        // held back: a hosted service failing later is still logged in full.
        var phase = new StartupPhase();
        logging.Services.AddSingleton(phase);
        logging.AddFilter<ConsoleLoggerProvider>(HostCategory, level => level >= LogLevel.Information && (level < LogLevel.Error || phase.Started));
        return logging;
    }
}
