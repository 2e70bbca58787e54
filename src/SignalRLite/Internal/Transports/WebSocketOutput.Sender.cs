using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The sender (invariant 1 of WebSocketOutput.cs): sends one message, then each batch committed meanwhile, until none is
/// left; and the start of the end once it has let go of the send side.
/// </summary>
internal sealed partial class WebSocketOutput
{
    /// <summary>The work item queued by a thread-pool flush (or by <see cref="Complete"/>): it is the sender.</summary>
    void IThreadPoolWorkItem.Execute() => _ = SendBatchesAsync(default, null, -1);

    // The sender's loop. `inFlight` is the send of `count` bytes just started (none when `count` is -1), held in `array`
    // (given back to the pool when sent; null for shared bytes). Sends that complete synchronously (the usual case)
    // never leave this method, so it allocates nothing; it parks only on a slow socket.
    private async Task SendBatchesAsync(ValueTask inFlight, byte[]? array, int count)
    {
        while (true)
        {
            if (count >= 0)
            {
                Exception? error = null;
                try
                {
                    await inFlight.ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                Sent(array, count, error);
            }

            if (!TakeBatch(out var batch, out array))
            {
                return;
            }

            count = batch.Length;
            inFlight = StartSend(batch);
        }
    }

    private ValueTask StartSend(ReadOnlyMemory<byte> bytes)
    {
        var connection = _transport.Connection;
        // The handshake fixed the format before the application wrote anything; a WebSocket message carries it.
        var type = connection.ActiveFormat == TransferFormat.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        // TransportSendTimeout: the connection's heartbeat closes it if this send is still pending then.
        connection.SendStarting(_transport.Options.TransportSendTimeout);
        try
        {
            return _transport.Socket.SendAsync(bytes, type, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    // A send finished: its bytes are counted and its array (if ours) goes back; a failure stops the output with status 1011.
    private void Sent(byte[]? array, int count, Exception? error)
    {
        var connection = _transport.Connection;
        connection.SendCompleted();
        if (array is not null)
        {
            s_pool.Return(array);
        }

        if (error is null)
        {
            connection.CountBytes(Http.Connections.HttpTransportType.WebSockets, inbound: false, count);
            return;
        }

        if (!_transport.IsAborted)
        {
            TransportLog.SendFailed(_transport.Logger, connection.ConnectionId, error);
        }

        lock (_lock)
        {
            if (!_endRequested)
            {
                _endRequested = true;
                _closeStatus = WebSocketCloseStatus.InternalServerError;
            }

            // Nothing more can go out on a failed socket, not even what the application committed before completing.
            _sendBeforeEnd = false;
            _stopped = true;
            AssertInvariants();
        }
    }

    // The previous send (if any) completed: takes the next batch to send, or lets go of the send side (I1) and, if the
    // end waits for that, starts it (I5). Waiting flushes go on once the committed bytes are down to the threshold.
    private bool TakeBatch(out ReadOnlyMemory<byte> batch, out byte[]? owned)
    {
        batch = default;
        owned = null;
        byte[]? dropped = null;
        var taken = false;
        bool start = false;
        TaskCompletionSource? drained;
        lock (_lock)
        {
            _inFlight = 0;
            if (!_batch.IsEmpty && (!_stopped || _sendBeforeEnd))
            {
                (batch, owned, taken) = (_batch, _batchOwned, true);
                _inFlight = batch.Length;
            }
            else
            {
                dropped = _batchOwned;
                _sending = false;
                if (_endRequested && !_endStarted)
                {
                    _endStarted = start = true;
                }
            }

            _batch = default;
            _batchOwned = null;
            drained = TakeDrainedLocked(force: false);
            AssertInvariants();
        }

        if (dropped is not null)
        {
            s_pool.Return(dropped);
        }

        drained?.TrySetResult();
        if (start)
        {
            StartEnd();
        }

        return taken;
    }

    // Once (I5). On the thread pool, as the send loop's tail ran: the caller may be the application's writer in the middle
    // of its own close, or a socket's completion.
    private void StartEnd()
    {
        WebSocketCloseStatus status;
        lock (_lock)
        {
            status = _closeStatus;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Transport.EndDirectAsync(state.Status), (Transport: _transport, Status: status), preferLocal: false);
    }
}
