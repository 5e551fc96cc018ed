using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Tests.Infrastructure;

/// <summary>
/// Captures formatted log lines so tests can assert what reaches logs (and what must not). One per test's services
/// (<see cref="TestServices"/> registers a new one in each container): a log assertion sees only its own test's lines.
/// </summary>
internal sealed class TestLog : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");

    public void Dispose() { }
}
