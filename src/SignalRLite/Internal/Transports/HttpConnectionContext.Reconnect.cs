using System.IO.Pipelines;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Stateful reconnect (WebSockets only): a dropped socket leaves the connection open for a new one. While no socket is
/// attached, the output is drained (<see cref="OutputDrain"/>); a new socket gets a fresh output pipe (the pipe swap,
/// <see cref="BeginReattach"/> then <see cref="CompleteReattachAsync"/>), into which the application writes its replay.
/// </summary>
internal sealed partial class HttpConnectionContext
{
    /// <summary>
    /// The state only a connection that negotiated stateful reconnect has (<see cref="_reconnect"/>: created in the
    /// constructor then, else null, so the others do not carry it). Guarded by the connection's lock.
    /// </summary>
    private sealed class ReconnectState(long outputMaxBufferSize)
    {
        public readonly long OutputMaxBufferSize = outputMaxBufferSize;
        public Func<PipeWriter, Task>? Callback;
        public bool Disabled;
        public OutputDrain? Drain;
        public (PipeReader Reader, PipeWriter Writer)? OldOutput;
    }

    /// <summary>A dropped WebSocket keeps the connection for a new one: negotiated, registered by the application, not disabled.</summary>
    public bool CanReconnect
    {
        get
        {
            lock (_lock)
            {
                return _reconnect is { Callback: not null, Disabled: false } && _closeTask is null && !_inputCompleted
                    && _transportType == HttpTransportType.WebSockets;
            }
        }
    }

    public void OnReconnected(Func<PipeWriter, Task> notifyOnReconnect)
    {
        lock (_lock)
        {
            // The feature is offered only to a connection that negotiated stateful reconnect, which has the state.
            if (_reconnect is { } reconnect)
            {
                reconnect.Callback = notifyOnReconnect;
            }

            AssertInvariants();
        }
    }

    public void DisableReconnect()
    {
        lock (_lock)
        {
            if (_reconnect is { } reconnect)
            {
                reconnect.Disabled = true;
            }
        }
    }

    /// <summary>A new socket arrived while the old one still looks attached: aborts the old one and waits until it let go.</summary>
    public async Task AbortStaleTransportAsync()
    {
        TransportLease? stale;
        WebSocketsTransport? active;
        lock (_lock)
        {
            stale = _readerLease;
            active = _activeWebSocket;
        }

        if (stale is null)
        {
            return;
        }

        TransportLog.StaleWebSocketAborted(_logger, ConnectionId);
        active?.Abort();
        await stale.Released.ConfigureAwait(false);
    }

    /// <summary>
    /// The socket dropped and the connection waits for a new one (called while still holding the lease). Output written
    /// meanwhile is read and dropped, so application writers never block on the pipe; the application replays what
    /// counts after the reattach. If no socket comes back, the idle scan closes the connection after the disconnect timeout.
    /// </summary>
    public void OnTransportLost()
    {
        lock (_lock)
        {
            // OutputDrain yields before its first read: nothing runs under the lock.
            _reconnect!.Drain = new OutputDrain(_application.Input, _logger, ConnectionId);
            AssertInvariants();
        }
    }

    /// <summary>
    /// First half of a reattach (holding the new lease, before the new socket's loops start): a fresh output pipe
    /// replaces the old one, whose reader keeps draining until <see cref="CompleteReattachAsync"/>. Both sides are
    /// swapped in one step under the lock, so no reader sees a new <see cref="Transport"/> with an old <see cref="Application"/>.
    /// </summary>
    public PipeWriter BeginReattach()
    {
        var reconnect = _reconnect!; // reattaching is possible only with the state (TryAttachStream)
        var output = new Pipe(_manager.GetPipeOptions(reconnect.OutputMaxBufferSize, input: false));
        lock (_lock)
        {
            reconnect.OldOutput = (_application.Input, _transport.Output);
            _transport = new DuplexPipe(_input!.Reader, output.Writer);
            _application = new DuplexPipe(output.Reader, _input!.Writer);
            AssertInvariants();
        }

        return output.Writer;
    }

    /// <summary>
    /// Second half, while the new socket already sends: the application moves its writes to <paramref name="writer"/>
    /// (and writes Sequence and its replay there); then the old pipe is drained one last time and dropped.
    /// </summary>
    public async Task CompleteReattachAsync(PipeWriter writer)
    {
        Func<PipeWriter, Task>? callback;
        lock (_lock)
        {
            callback = _reconnect?.Callback;
        }

        try
        {
            if (callback is not null)
            {
                await callback(writer).ConfigureAwait(false);
            }
        }
        finally
        {
            (PipeReader Reader, PipeWriter Writer)? old;
            OutputDrain? drain;
            lock (_lock)
            {
                var reconnect = _reconnect!;
                old = reconnect.OldOutput;
                reconnect.OldOutput = null;
                // The drain reads the old output (it started before the swap); it is stopped here, not by the close.
                drain = old is null ? null : reconnect.Drain;
                if (drain is not null)
                {
                    reconnect.Drain = null;
                }

                AssertInvariants();
            }

            if (old is { } pipe && drain is not null)
            {
                await drain.StopAsync().ConfigureAwait(false);
                pipe.Reader.Complete();
                pipe.Writer.Complete();
            }
        }
    }

    /// <summary>The close sequence stops a drain still running (no socket came back).</summary>
    private async Task StopDrainAsync()
    {
        OutputDrain? drain;
        lock (_lock)
        {
            drain = _reconnect?.Drain;
            if (_reconnect is { } reconnect)
            {
                reconnect.Drain = null;
            }
        }

        if (drain is not null)
        {
            await drain.StopAsync().ConfigureAwait(false);
        }
    }
}
