using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>Keeps every log event with its structured state: what the json console format would show as <c>State</c>.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<CapturedLog> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Events);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IReadOnlyList<KeyValuePair<string, object?>> list
                ? list.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)
                : [];
            events.Enqueue(new CapturedLog(category, eventId.Id, logLevel, formatter(state, exception), fields));
        }
    }
}
