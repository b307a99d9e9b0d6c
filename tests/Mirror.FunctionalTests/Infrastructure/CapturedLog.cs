using Microsoft.Extensions.Logging;

namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>One log event as a provider received it: the rendered message and every named field.</summary>
public sealed record CapturedLog(string Category, int EventId, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> State);
