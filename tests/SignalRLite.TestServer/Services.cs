using System.Collections.Concurrent;

namespace TestServer;

/// <summary>What the hub lifecycle callbacks saw, by connection id (GET /lifecycle/{id}).</summary>
public sealed class LifecycleLog
{
    private readonly ConcurrentDictionary<string, LifecycleRecord> _records = new();

    public void Connected(string connectionId, string? userIdentifier) =>
        _records[connectionId] = new LifecycleRecord { Connected = true, UserIdentifier = userIdentifier };

    public void Disconnected(string connectionId, Exception? exception)
    {
        var record = _records.GetOrAdd(connectionId, _ => new LifecycleRecord());
        lock (record)
        {
            record.DisconnectedCount++;
            record.DisconnectException = exception?.GetType().Name;
        }
    }

    public LifecycleRecord? Get(string connectionId) => _records.TryGetValue(connectionId, out var r) ? r : null;
}

public sealed class LifecycleRecord
{
    public bool Connected { get; set; }
    public string? UserIdentifier { get; set; }
    public int DisconnectedCount { get; set; }
    public string? DisconnectException { get; set; }
}

/// <summary>Named one-shot gates: a hub method waits on one, an HTTP call or another hub call opens it.</summary>
public sealed class Gates
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();

    public Task WaitAsync(string key) => Get(key).Task;

    public void Open(string key) => Get(key).TrySetResult();

    private TaskCompletionSource Get(string key) =>
        _gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Keys marked by void/Task/ValueTask hub methods, so tests can see they ran.</summary>
public sealed class Marks
{
    private readonly ConcurrentDictionary<string, int> _marks = new();

    public void Mark(string key) => _marks.AddOrUpdate(key, 1, (_, n) => n + 1);

    public int Count(string key) => _marks.TryGetValue(key, out var n) ? n : 0;
}

/// <summary>A plain DI service, injected into hub method parameters and hub constructors.</summary>
public sealed class GreetingService
{
    public string Greet(string name) => $"Hello, {name}!";
}
