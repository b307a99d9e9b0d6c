using Microsoft.Extensions.Options;
using Mirror.Configuration;

namespace Mirror.Server.Hosting;

/// <summary>
/// An unknown <c>Logging:Console:FormatterName</c> is a configuration error, listed with the <c>Mirror:</c> ones: the
/// console logger would silently fall back to its default format, and a log shipper expecting JSON would get text.
/// </summary>
internal sealed class ConsoleFormatterCheck(IConfiguration configuration) : IValidateOptions<MirrorOptions>
{
    public ValidateOptionsResult Validate(string? name, MirrorOptions options)
    {
        var formatter = configuration[ConsoleLogging.FormatterNameKey];
        return formatter is null || ConsoleLogging.FormatterNames.Contains(formatter, StringComparer.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Skip
            : ValidateOptionsResult.Fail(
                $"{ConsoleLogging.FormatterNameKey} = '{formatter}' is not a console log format (known: {string.Join(", ", ConsoleLogging.FormatterNames)}).");
    }
}
