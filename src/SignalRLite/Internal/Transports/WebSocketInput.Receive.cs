using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The receive driver: at most one socket receive in flight, a zero-byte receive then a data receive, the bytes
/// appended for the reader, a pending read completed inline; and how the socket's side ends.
/// </summary>
internal sealed partial class WebSocketInput
{
    /// <summary>Starts receiving (called once by the transport when the socket is accepted).</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_receiving || _ended)
            {
                return;
            }

            _receiving = true;
        }

        Drive(default, null, completed: false);
    }

    /// <summary>The transport aborted the socket: the input ends now, without waiting for a receive to fail.</summary>
    public void EndAborted() => EndFromSocket(new ConnectionAbortedException("The WebSocket was aborted."), received: false);

    // The receive driver. Runs until it decides to stop (clearing _receiving) or a receive goes asynchronous (the
    // completion callback calls back in here). `completed` says whether (result, error) is a finished receive.
    private void Drive(ValueWebSocketReceiveResult result, Exception? error, bool completed)
    {
        while (true)
        {
            if (completed && !OnReceived(result, error))
            {
                return;
            }

            Memory<byte> target;
            lock (_lock)
            {
                if (_ended || (!_readPending && !_readerCompleted && _pauseThreshold > 0 && BufferedLocked() >= _pauseThreshold))
                {
                    // Enough is buffered (the application resumes the driver by consuming) or the input ended.
                    _receiving = false;
                    AssertInvariants();
                    return;
                }

                if (_zeroByteDone)
                {
                    target = TargetLocked();
                }
                else
                {
                    // A zero-byte receive writes nothing: an idle connection gives its last segment back meanwhile.
                    ReleaseIfEmptyLocked();
                    target = Memory<byte>.Empty;
                }
            }

            try
            {
                _inFlight = _socket.ReceiveAsync(target, CancellationToken.None);
            }
            catch (Exception ex)
            {
                (result, error, completed) = (default, ex, true);
                continue;
            }

            if (!_inFlight.IsCompleted)
            {
                // Safe to leave: the callback runs this method again with the result; nothing else touches _inFlight.
                _inFlight.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReceiveCompleted);
                return;
            }

            (result, error) = Take(ref _inFlight);
            completed = true;
        }
    }

    private void OnReceiveCompleted()
    {
        var (result, error) = Take(ref _inFlight);
        Drive(result, error, completed: true);
    }

    private static (ValueWebSocketReceiveResult, Exception?) Take(ref ValueTask<ValueWebSocketReceiveResult> task)
    {
        var pending = task;
        task = default;
        try
        {
            return (pending.GetAwaiter().GetResult(), null);
        }
        catch (Exception ex)
        {
            return (default, ex);
        }
    }

    // Applies one finished receive. Returns whether the driver goes on.
    private bool OnReceived(ValueWebSocketReceiveResult result, Exception? error)
    {
        var wasZeroByte = !_zeroByteDone;
        bool completeRead;
        lock (_lock)
        {
            _zeroByteDone = wasZeroByte && error is null && result.MessageType != WebSocketMessageType.Close;
            if (_ended)
            {
                // The connection ended the input while this receive was in flight; the reader keeps what it was given
                // until it completes.
                _receiving = false;
                if (_readerCompleted)
                {
                    DiscardLocked();
                }

                AssertInvariants();
                return false;
            }

            if (error is null && result.MessageType != WebSocketMessageType.Close)
            {
                if (wasZeroByte || result.Count == 0)
                {
                    return true;
                }

                if (_readerCompleted)
                {
                    // Nobody reads any more: drop what came and keep waiting for the close frame.
                    _tail!.End = 0;
                    _connection.CountBytes(HttpTransportType.WebSockets, inbound: true, result.Count);
                    return true;
                }

                _tail!.End += result.Count;
                _examinedAll = false; // new bytes: the next read returns at once
                _connection.CountBytes(HttpTransportType.WebSockets, inbound: true, result.Count);
                completeRead = _readPending;
                _readPending = false;
            }
            else
            {
                completeRead = false;
            }
        }

        if (error is not null || result.MessageType == WebSocketMessageType.Close)
        {
            EndFromSocket(error, received: true);
            return false;
        }

        if (completeRead)
        {
            // Inline: the application's read loop parses and dispatches on this thread, then reads again (which finds
            // the driver running and only registers its read).
            _read.SetResult(new ReadResult(BufferUnderLock(), isCanceled: false, isCompleted: false));
        }

        return true;
    }

    // `received`: the end is a finished receive (the driver stops); otherwise an abort from outside the driver.
    private void EndFromSocket(Exception? error, bool received)
    {
        var aborted = _transport.IsAborted;
        var reported = error is null || !received || !(error is OperationCanceledException or ObjectDisposedException || aborted)
            ? error
            : new ConnectionAbortedException("The WebSocket was aborted.", error);
        lock (_lock)
        {
            if (received)
            {
                _receiving = false;
            }

            if (_ended)
            {
                return;
            }

            _ended = true;
            _error = reported;
        }

        if (error is null)
        {
            TransportLog.WebSocketClientClosed(_transport.Logger, _connection.ConnectionId, _socket.CloseStatus);
        }
        else if (received && !aborted)
        {
            TransportLog.WebSocketLost(_transport.Logger, _connection.ConnectionId, error);
        }

        CompleteEnd();

        // Completes the connection's input (its ConnectionClosed token); the input already ended above, so the
        // connection's call back into CompleteFromTransport does nothing.
        _connection.CompleteTransportInput(reported);
        _transport.OnReceiveEnded(reported);
    }

    // After _ended was set (by the one caller that set it): completes a pending read and the transport's wait.
    private void CompleteEnd()
    {
        bool completeRead;
        TaskCompletionSource? signal;
        Exception? error;
        lock (_lock)
        {
            completeRead = _readPending;
            _readPending = false;
            signal = _endedSignal;
            error = _error;
            if (_readerCompleted)
            {
                DiscardLocked();
            }

            AssertInvariants();
        }

        if (completeRead)
        {
            if (error is not null)
            {
                _read.SetException(error);
            }
            else
            {
                _read.SetResult(new ReadResult(BufferUnderLock(), isCanceled: false, isCompleted: true));
            }
        }

        signal?.TrySetResult();
    }
}
