using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The connection's state machine: open → application started (once, by the first transport request) → closing
/// (<see cref="CloseAsync"/>, once) → closed (removed from the manager). The ends of the transport-side pipes are
/// completed once each (<see cref="CompleteTransportInput"/>, <see cref="CompleteTransportOutput"/>), by their lease
/// holder or by the close sequence after the holder let go.
/// </summary>
internal sealed partial class HttpConnectionContext
{
    /// <summary>Why the connection is closing: null for a graceful close (DELETE, host shutdown), else the error or abort reason.</summary>
    public Exception? CloseError
    {
        get
        {
            lock (_lock)
            {
                return _closeError;
            }
        }
    }

    /// <summary>
    /// Cancelled when the connection starts closing; transports stop using the pipes when they see it. The WebSocket
    /// transport is told directly instead (<see cref="SetActiveWebSocket"/>): the source is created on first read, by
    /// the Long Polling, SSE and POST requests, so an idle WebSocket connection holds none.
    /// </summary>
    public CancellationToken TransportClosing
    {
        get
        {
            lock (_lock)
            {
                return TokenCreatedOnFirstRead(ref _transportCts, _closingSignalled);
            }
        }
    }

    /// <summary>Test hook: whether the <see cref="ConnectionClosed"/> and <see cref="TransportClosing"/> sources exist.</summary>
    internal (bool Closed, bool TransportClosing) CancellationSourcesCreated
    {
        get
        {
            lock (_lock)
            {
                return (_closedCts is not null, _transportCts is not null);
            }
        }
    }

    /// <summary>Test hook: whether someone waits for the current reader lease's release (which creates its task).</summary>
    internal bool ReaderLeaseWaitedFor
    {
        get
        {
            lock (_lock)
            {
                return _readerLease?.ReleasedTaskCreated ?? false;
            }
        }
    }

    /// <summary>
    /// The WebSocket request holding the lease registers its transport (null when it let go): closing the connection
    /// calls <see cref="WebSocketsTransport.OnConnectionClosing"/> on it, and a newer socket aborts it. Exactly one of
    /// this and <see cref="SignalTransportsClosing"/> calls the transport for a close: each sets its field and reads the
    /// other's under the lock.
    /// </summary>
    public void SetActiveWebSocket(WebSocketsTransport? transport)
    {
        bool closing;
        lock (_lock)
        {
            _activeWebSocket = transport;
            closing = _closingSignalled;
        }

        // Outside the lock: the transport cancels a pending read or aborts its socket, which runs continuations.
        if (closing)
        {
            transport?.OnConnectionClosing();
        }
    }

    // Once, from RunCloseAsync: tells the transports that the connection is closing.
    private void SignalTransportsClosing()
    {
        CancellationTokenSource? cts;
        WebSocketsTransport? socket;
        lock (_lock)
        {
            _closingSignalled = true;
            cts = _transportCts;
            socket = _activeWebSocket;
            AssertInvariants();
        }

        cts?.Cancel();
        socket?.OnConnectionClosing();
    }

    public bool IsClosing
    {
        get
        {
            lock (_lock)
            {
                return _closeTask is not null;
            }
        }
    }

    public bool ApplicationStarted
    {
        get
        {
            lock (_lock)
            {
                return _applicationTask is not null;
            }
        }
    }

    public Task? ApplicationTask
    {
        get
        {
            lock (_lock)
            {
                return _applicationTask;
            }
        }
    }

    /// <summary>The application has completed its output and the transport has read all of it.</summary>
    public bool OutputDrained
    {
        get
        {
            lock (_lock)
            {
                return _outputDrained;
            }
        }
    }

    public void MarkOutputDrained()
    {
        lock (_lock)
        {
            _outputDrained = true;
        }
    }

    public void StartApplication(ConnectionDelegate connectionDelegate)
    {
        lock (_lock)
        {
            if (_applicationTask is not null)
            {
                return;
            }

            // RunApplicationAsync yields before running the delegate, so nothing runs under the lock.
            _applicationTask = RunApplicationAsync(connectionDelegate);
            _startedTimestamp = _manager.TimeProvider.GetTimestamp();
            _manager.Metrics?.ConnectionStarted(_transportType);
        }
    }

    private async Task RunApplicationAsync(ConnectionDelegate connectionDelegate)
    {
        await Task.Yield();
        Exception? error = null;
        try
        {
            await connectionDelegate(this).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
            TransportLog.ApplicationFailed(_logger, ConnectionId, ex);
        }
        finally
        {
            var transport = Transport;
            transport.Output.Complete(error);
            transport.Input.Complete();
        }
    }

    /// <summary>Ends the application's input. Called by the input writer's owner, or by <see cref="CloseAsync"/> after it let go.</summary>
    public void CompleteTransportInput(Exception? error)
    {
        PipeWriter writer;
        WebSocketInput? direct;
        lock (_lock)
        {
            if (_inputCompleted)
            {
                return;
            }

            _inputCompleted = true;
            writer = _application.Output;
            direct = _directInput;
        }

        // Outside the lock: completing the input and cancelling the token run continuations inline.
        if (direct is not null)
        {
            direct.CompleteFromTransport(error);
        }
        else
        {
            writer.Complete(error);
        }

        CancelClosedToken();
    }

    /// <summary>Stops reading the application's output. Called by the output reader's owner, or by <see cref="CloseAsync"/>.</summary>
    public void CompleteTransportOutput()
    {
        PipeReader reader;
        WebSocketOutput? direct;
        lock (_lock)
        {
            if (_outputCompleted)
            {
                return;
            }

            _outputCompleted = true;
            reader = _application.Input;
            direct = _directOutput;
        }

        if (direct is not null)
        {
            direct.CompleteFromTransport();
        }
        else
        {
            reader.Complete();
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        TransportLog.ConnectionAborted(_logger, ConnectionId, abortReason.Message);
        _ = CloseAsync(abortReason);
    }

    public override ValueTask DisposeAsync() => new(CloseAsync(null));

    /// <summary>
    /// Ends the connection: stops the transports, completes the application's input (with <paramref name="error"/> for an
    /// abrupt end), waits for the application, then removes the connection. Idempotent; every caller gets the same task,
    /// so the application delegate must not await it (it would wait for itself); it may call it without awaiting.
    /// </summary>
    /// <remarks><paramref name="reason"/> is for the connection metrics; the first close's reason counts.</remarks>
    public Task CloseAsync(Exception? error, ConnectionEndReason reason = ConnectionEndReason.NormalClosure)
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            if (_closeTask is not null)
            {
                return _closeTask;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _closeTask = done.Task;
            _closeError = error;
            _endReason = reason;
            AssertInvariants();
        }

        _ = RunCloseAsync(error, done);
        return done.Task;
    }

    private async Task RunCloseAsync(Exception? error, TaskCompletionSource done)
    {
        try
        {
            await Task.Yield();
            TransportLog.ConnectionClosing(_logger, ConnectionId, error?.Message);
            SignalTransportsClosing();

            // No lease can be taken any more (_closeTask is set): these are the last holders.
            TransportLease? writer, reader;
            lock (_lock)
            {
                writer = _writerLease;
                reader = _readerLease;
            }

            if (writer is not null)
            {
                await writer.Released.ConfigureAwait(false);
            }

            CompleteTransportInput(error);

            if (ApplicationTask is { } application)
            {
                await application.ConfigureAwait(false);
            }
            else
            {
                var transport = Transport;
                transport.Output.Complete();
                transport.Input.Complete();
            }

            if (reader is not null)
            {
                await reader.Released.ConfigureAwait(false);
            }

            await StopDrainAsync().ConfigureAwait(false);
            CompleteTransportOutput();
            HttpContext = null;
        }
        catch (Exception ex)
        {
            TransportLog.CloseFailed(_logger, ConnectionId, ex);
        }
        finally
        {
            _manager.RemoveConnection(this);
            RecordEnd();
            done.TrySetResult();
        }
    }

    // Once, from RunCloseAsync: the end of a connection that was counted as started.
    private void RecordEnd()
    {
        long started;
        HttpTransportType transport;
        ConnectionEndReason reason;
        lock (_lock)
        {
            (started, transport, reason) = (_startedTimestamp, _transportType, _endReason);
        }

        if (started != 0)
        {
            _manager.Metrics?.ConnectionEnded(transport, reason, _manager.TimeProvider.GetElapsedTime(started));
        }
    }

    // After _inputCompleted was set: a source created later is never made (the getter returns a cancelled token).
    private void CancelClosedToken()
    {
        CancellationTokenSource? cts;
        lock (_lock)
        {
            cts = _closedCts;
        }

        try
        {
            cts?.Cancel();
        }
        catch (Exception ex)
        {
            TransportLog.ClosedCallbackFailed(_logger, ConnectionId, ex);
        }
    }
}
