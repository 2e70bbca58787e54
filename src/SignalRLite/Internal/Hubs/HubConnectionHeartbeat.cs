using System.Collections.Concurrent;
using System.Diagnostics;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// One timer for all hub connections of the application: handshake deadlines, client timeouts and keep-alive pings.
/// Time comes from the application's <see cref="System.TimeProvider"/> (<see cref="TimeProvider.System"/> unless a
/// test registers a fake one): the timer and the timestamps handed to the connections, which are built with the same
/// provider.
/// </summary>
/// <remarks>
/// The period is 1 s, shortened (down to 10 ms) when a hub is configured with shorter intervals so that they are
/// honoured to within a quarter of their length. Ticks never overlap; a tick only reads timestamps and starts
/// non-blocking work, so it stays cheap with many connections.
/// <para>
/// Invariants (under <see cref="_lock"/>, checked by <see cref="AssertInvariants"/>): H1. <see cref="_period"/> stays
/// within [MinPeriod, MaxPeriod] and only shrinks; H2. a timer, once created, runs with the current period. The
/// connection set is a concurrent dictionary: adding and removing need no lock, and a tick enumerates a moment's view.
/// </para>
/// </remarks>
internal sealed class HubConnectionHeartbeat : IDisposable
{
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinPeriod = TimeSpan.FromMilliseconds(10);

    private readonly ConcurrentDictionary<HubConnectionContext, byte> _connections = new();
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private TimeSpan _period = MaxPeriod;
    private int _ticking;

    public HubConnectionHeartbeat(TimeProvider timeProvider)
    {
        TimeProvider = timeProvider;
    }

    /// <summary>The clock of the heartbeat and of every connection it drives.</summary>
    public TimeProvider TimeProvider { get; }

    public TimeSpan Period => _period;

    /// <summary>Connections being watched (for tests that must know the handler has started).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Makes the period short enough for <paramref name="interval"/>.</summary>
    public void EnsureResolution(TimeSpan interval)
    {
        var wanted = interval / 4;
        wanted = wanted < MinPeriod ? MinPeriod : wanted;
        lock (_lock)
        {
            if (wanted < _period)
            {
                _period = wanted;
                _timer?.Change(_period, _period);
            }

            AssertInvariants();
        }
    }

    public void Add(HubConnectionContext connection)
    {
        _connections.TryAdd(connection, 0);
        if (_timer is null)
        {
            lock (_lock)
            {
                // Not capturing the execution context: the timer outlives the request that started it.
                using (ExecutionContext.SuppressFlow())
                {
                    _timer ??= TimeProvider.CreateTimer(static s => ((HubConnectionHeartbeat)s!).Tick(), this, _period, _period);
                }
            }
        }
    }

    public void Remove(HubConnectionContext connection) => _connections.TryRemove(connection, out _);

    /// <summary>The hub connections of every hub of this server now (a copy), for the drain.</summary>
    public HubConnectionContext[] Snapshot() => [.. _connections.Keys];

    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            var now = TimeProvider.GetTimestamp();
            foreach (var pair in _connections)
            {
                pair.Key.OnHeartbeat(now);
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        lock (_lock)
        {
            Debug.Assert(_period >= MinPeriod && _period <= MaxPeriod, "The period is out of bounds (H1).");
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }
}
