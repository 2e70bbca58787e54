namespace SignalRLite.Internal.Transports;

/// <summary>
/// Time-driven behaviour, all on the manager's <see cref="TimeProvider"/> and driven by its one shared scan timer
/// (<see cref="HttpConnectionManager"/>), never by a timer per connection: heartbeat callbacks, the transport send
/// timeout, and idle detection for the disconnect timeout.
/// </summary>
internal sealed partial class HttpConnectionContext
{
    /// <summary>The clock of this connection's timeouts (the manager's).</summary>
    public TimeProvider TimeProvider => _time;

    public void OnHeartbeat(Action<object> action, object state)
    {
        // Copy on write: registrations are rare, ticks are every second (and read the array without the lock).
        lock (_lock)
        {
            Volatile.Write(ref _heartbeats, [.. _heartbeats, (action, state)]);
        }
    }

    /// <summary>
    /// A transport starts a send that must complete within <paramref name="timeout"/>. Checked by the shared heartbeat
    /// (<see cref="TickHeartbeat"/>, at most a scan period late) instead of a timer per connection, which an idle
    /// connection would otherwise hold and every send would re-arm.
    /// </summary>
    internal void SendStarting(TimeSpan timeout)
    {
        if (timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            var ticks = timeout.TotalSeconds * _time.TimestampFrequency;
            if (ticks < long.MaxValue / 4)
            {
                Volatile.Write(ref _sendDeadline, _time.GetTimestamp() + (long)ticks);
            }
        }
    }

    internal void SendCompleted() => Volatile.Write(ref _sendDeadline, 0);

    /// <summary>One tick of the shared scan (<paramref name="now"/> is a timestamp of the manager's <see cref="TimeProvider"/>).</summary>
    internal void TickHeartbeat(long now)
    {
        var deadline = Volatile.Read(ref _sendDeadline);
        // The CAS makes the deadline fire once, and not at all if the send completed (cleared it) meanwhile.
        if (deadline != 0 && now > deadline && Interlocked.CompareExchange(ref _sendDeadline, 0, deadline) == deadline)
        {
            TransportLog.SendTimedOut(_logger, ConnectionId);
            // Closing with an error aborts the transport, which ends the stuck send.
            _ = CloseAsync(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("A send did not complete within the transport send timeout."));
        }

        var callbacks = Volatile.Read(ref _heartbeats);
        foreach (var (callback, state) in callbacks)
        {
            try
            {
                callback(state);
            }
            catch (Exception ex)
            {
                TransportLog.HeartbeatFailed(_logger, ConnectionId, ex);
            }
        }
    }

    /// <summary>No request holds the output reader, and none has for longer than <paramref name="timeout"/> before <paramref name="now"/>.</summary>
    internal bool IsIdle(long now, TimeSpan timeout)
    {
        lock (_lock)
        {
            return _readerLease is null && _closeTask is null && _time.GetElapsedTime(_lastSeen, now) > timeout;
        }
    }
}
