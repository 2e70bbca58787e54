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
/// within [MinPeriod, MaxPeriod] and only shrinks; H2. a timer, once created, runs with the current period; H3. slot
/// <c>i</c> of <see cref="_slots"/> holds connection <c>c</c> exactly when <c>c.HeartbeatSlot == i</c>, every slot below
/// <see cref="_used"/> is either taken or in <see cref="_free"/>, and <see cref="_count"/> is the number of taken slots.
/// </para>
/// <para>
/// The connections are kept in slots of one array, each connection knowing its slot, rather than in a concurrent
/// dictionary: per connection that is one array element instead of a dictionary node and its share of the buckets (an
/// idle connection stays registered here for its whole life). Adding and removing take the lock (short, no allocation but
/// the array's doubling); a tick reads the array without it: slots are written with <see cref="Volatile"/>, and the array
/// is only ever replaced by a larger copy, so a tick sees each connection or its empty slot, as the dictionary's
/// enumeration saw a moment's view (a connection added meanwhile waits for the next tick; one removed meanwhile may get
/// one more tick, which its liveness ignores once it ended).
/// </para>
/// </remarks>
internal sealed class HubConnectionHeartbeat : IDisposable
{
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinPeriod = TimeSpan.FromMilliseconds(10);

    private readonly Lock _lock = new();
    private HubConnectionContext?[] _slots = new HubConnectionContext?[16]; // replaced (grown) under _lock only
    private int _used; // slots [0, _used) have been handed out; under _lock
    private int _count; // taken slots; written under _lock, read without it
    private readonly Stack<int> _free = new(); // freed slots below _used, reused first; under _lock
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
    public int ConnectionCount => Volatile.Read(ref _count);

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
        lock (_lock)
        {
            if (connection.HeartbeatSlot >= 0)
            {
                return; // already watched
            }

            int slot;
            if (!_free.TryPop(out slot))
            {
                slot = _used++;
                if (slot == _slots.Length)
                {
                    var grown = new HubConnectionContext?[_slots.Length * 2];
                    Array.Copy(_slots, grown, _slots.Length);
                    Volatile.Write(ref _slots, grown);
                }
            }

            connection.HeartbeatSlot = slot;
            Volatile.Write(ref _slots[slot], connection);

            // Not capturing the execution context: the timer outlives the request that started it.
            if (_timer is null)
            {
                using (ExecutionContext.SuppressFlow())
                {
                    _timer = TimeProvider.CreateTimer(static s => ((HubConnectionHeartbeat)s!).Tick(), this, _period, _period);
                }
            }

            // Published last, once the timer exists: whoever sees the connection counted may move a fake clock and expect
            // its ticks. Counted before the first timer was created, a clock moved in that gap ran no tick, and the
            // timer then started from the moved clock (HandshakeTests.C48_* failed so in CI).
            Volatile.Write(ref _count, _count + 1);
            AssertInvariants();
        }
    }

    public void Remove(HubConnectionContext connection)
    {
        lock (_lock)
        {
            var slot = connection.HeartbeatSlot;
            if (slot < 0 || !ReferenceEquals(_slots[slot], connection))
            {
                return; // not watched (never added, or removed already)
            }

            Volatile.Write(ref _slots[slot], null);
            connection.HeartbeatSlot = -1;
            _free.Push(slot);
            Volatile.Write(ref _count, _count - 1);
            AssertInvariants();
        }
    }

    /// <summary>The hub connections of every hub of this server now (a copy), for the drain.</summary>
    public HubConnectionContext[] Snapshot()
    {
        lock (_lock)
        {
            var connections = new HubConnectionContext[_count];
            var at = 0;
            for (var i = 0; i < _used; i++)
            {
                if (_slots[i] is { } connection)
                {
                    connections[at++] = connection;
                }
            }

            return connections;
        }
    }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            var now = TimeProvider.GetTimestamp();
            // Without the lock (see the remarks): the array only grows, so a slot index read here stays valid in it.
            var slots = Volatile.Read(ref _slots);
            for (var i = 0; i < slots.Length; i++)
            {
                Volatile.Read(ref slots[i])?.OnHeartbeat(now);
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
            Debug.Assert(_count >= 0 && _count + _free.Count == _used && _used <= _slots.Length, "Slots taken and free do not add up (H3).");
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
