using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Tests.Transports;

/// <summary>Keeps every log entry (event name and formatted message) for assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string EventName, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                message += " | " + string.Join(";", values.Select(v => v.Key + "=" + v.Value));
            }

            provider.Entries.Enqueue((category, logLevel, eventId.Name ?? "", message + (exception is null ? "" : " | " + exception)));
        }
    }
}
