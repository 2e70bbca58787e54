using System.Collections.Concurrent;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Hubs;

/// <summary>A singleton the test hubs report to and wait on, so tests await events instead of sleeping.</summary>
public sealed class HubProbe
{
    private readonly ConcurrentDictionary<string, Signal> _gates = new();
    private readonly ConcurrentDictionary<string, Signal> _started = new();
    private readonly ConcurrentDictionary<string, Signal> _exited = new();
    private int _running;
    private int _maxRunning;

    public ConcurrentQueue<string> Events { get; } = new();

    public Signal<string> Connected { get; } = new();

    public Signal<Exception?> Disconnected { get; } = new();

    public int ConnectedCount;
    public int DisconnectedCount;

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    public Signal Gate(string key) => _gates.GetOrAdd(key, _ => new Signal());

    public Signal Started(string key) => _started.GetOrAdd(key, _ => new Signal());

    /// <summary>Completes once <see cref="Exit"/> ran for <paramref name="key"/>.</summary>
    public Signal Exited(string key) => _exited.GetOrAdd(key, _ => new Signal());

    public void Enter(string key)
    {
        var running = Interlocked.Increment(ref _running);
        int max;
        while (running > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, running, max) != max)
        {
        }

        Events.Enqueue("start:" + key);
        Started(key).TrySetResult();
    }

    public void Exit(string key)
    {
        Events.Enqueue("end:" + key);
        Interlocked.Decrement(ref _running);
        Exited(key).TrySetResult();
    }
}
