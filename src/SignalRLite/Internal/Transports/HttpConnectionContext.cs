using System.IO.Pipelines;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Logging;
using SignalRLite.Http.Connections;
using SignalRLite.Http.Connections.Features;
using SignalRLite.Internal.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// One logical connection, independent of the requests that carry it.
/// </summary>
/// <remarks>
/// Two pipes: <see cref="Transport"/> is the application's side (Input = client to server, Output = server to client),
/// <see cref="Application"/> the transport's side. Each transport-side end is used by at most one request at a time,
/// which holds a <see cref="TransportLease"/> taken under <see cref="_lock"/>. Whoever ends the connection while holding
/// a lease completes that end itself; otherwise <see cref="CloseAsync"/> completes it after the lease is released.
/// </remarks>
internal sealed class HttpConnectionContext : ConnectionContext,
    IConnectionIdFeature,
    IConnectionItemsFeature,
    IConnectionTransportFeature,
    IConnectionLifetimeFeature,
    IConnectionUserFeature,
    IConnectionHeartbeatFeature,
    IConnectionEndPointFeature,
    IConnectionInherentKeepAliveFeature,
    ITransferFormatFeature,
    IHttpContextFeature,
    IHttpTransportFeature,
    IStatefulReconnectFeature,
    IConnectionAuthenticatedUserFeature
{
    private readonly Lock _lock = new();
    private readonly HttpConnectionManager _manager;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closedCts = new();
    private readonly CancellationTokenSource _transportCts = new();
    private (Action<object> Callback, object State)[] _heartbeats = [];

    private TransportLease? _readerLease;
    private TransportLease? _writerLease;
    private Task? _applicationTask;
    private Task? _closeTask;
    private bool _inputCompleted;
    private bool _outputCompleted;
    private long _lastSeenTicks;
    private long _sendDeadlineTicks; // 0: no transport send in progress (or no send timeout)
    private readonly Pipe _input;
    private readonly long _outputMaxBufferSize;
    private Func<PipeWriter, Task>? _reconnectCallback;
    private bool _reconnectDisabled;
    private Action? _abortActiveTransport;
    private Task? _drainTask;
    private volatile bool _drainStopping;

    public HttpConnectionContext(
        string connectionId,
        string connectionToken,
        HttpConnectionDispatcherOptions options,
        HttpConnectionManager manager,
        ILogger logger,
        bool useStatefulReconnect = false)
    {
        ConnectionId = connectionId;
        ConnectionToken = connectionToken;
        _manager = manager;
        _logger = logger;
        _lastSeenTicks = Environment.TickCount64;

        var input = _input = new Pipe(manager.GetPipeOptions(options.TransportMaxBufferSize));
        _outputMaxBufferSize = options.ApplicationMaxBufferSize;
        var output = new Pipe(manager.GetPipeOptions(options.ApplicationMaxBufferSize));
        Transport = new DuplexPipe(input.Reader, output.Writer);
        Application = new DuplexPipe(output.Reader, input.Writer);
        ConnectionClosed = _closedCts.Token;
        SupportedFormats = TransferFormat.Text | TransferFormat.Binary;
        ActiveFormat = TransferFormat.Text;

        UseStatefulReconnect = useStatefulReconnect;
        Features = new HttpConnectionFeatures(this, useStatefulReconnect);
    }

    public override string ConnectionId { get; set; }

    /// <summary>The value clients put in <c>id=</c>: the token for negotiate v1, the connection ID for v0.</summary>
    public string ConnectionToken { get; }

    public override IFeatureCollection Features { get; }

    // Created on first use: most hubs never touch Context.Items.
    public override IDictionary<object, object?> Items
    {
        get => _items ?? Interlocked.CompareExchange(ref _items, new ConnectionItems(), null) ?? _items;
        set => _items = value;
    }

    private IDictionary<object, object?>? _items;

    public override IDuplexPipe Transport { get; set; }

    /// <summary>The transport's side: Input = what the application wrote, Output = where client bytes go.</summary>
    public IDuplexPipe Application { get; private set; }

    public override CancellationToken ConnectionClosed { get; set; }

    /// <summary>The request's user; an empty principal (created on first read) for anonymous connections.</summary>
    public ClaimsPrincipal? User
    {
        get => _user ??= new ClaimsPrincipal(new ClaimsIdentity());
        set => _user = value;
    }

    /// <summary>The authenticated user, or null: reading it creates nothing.</summary>
    public ClaimsPrincipal? AuthenticatedUser => _user;

    private ClaimsPrincipal? _user;

    /// <summary>Long Polling answers every poll within the poll timeout, which tells the client the server is alive.</summary>
    public bool HasInherentKeepAlive => TransportType == HttpTransportType.LongPolling;

    public TransferFormat SupportedFormats { get; set; }

    public TransferFormat ActiveFormat { get; set; }

    public HttpContext? HttpContext { get; set; }

    public HttpTransportType TransportType { get; private set; }

    public bool UseStatefulReconnect { get; }

    /// <summary>A dropped WebSocket keeps the connection for a new one: negotiated, registered by the application, not disabled.</summary>
    public bool CanReconnect
    {
        get
        {
            lock (_lock)
            {
                return _reconnectCallback is not null && !_reconnectDisabled && _closeTask is null && !_inputCompleted
                    && TransportType == HttpTransportType.WebSockets;
            }
        }
    }

    /// <summary>Why the connection is closing: null for a graceful close (DELETE, host shutdown), else the error or abort reason.</summary>
    public Exception? CloseError { get; private set; }

    /// <summary>Cancelled when the connection starts closing; transports stop using the pipes when they see it.</summary>
    public CancellationToken TransportClosing => _transportCts.Token;

    public bool IsClosing => Volatile.Read(ref _closeTask) is not null;

    /// <summary>A Long Polling request currently holds the output reader.</summary>
    public bool HasPendingPoll => TransportType == HttpTransportType.LongPolling && Volatile.Read(ref _readerLease) is not null;

    /// <summary>Serialises the POSTs of this connection (the only way to the input writer for SSE and Long Polling).</summary>
    public PostQueue Posts { get; } = new();

    /// <summary>A POST currently holds the input writer.</summary>
    public bool HasPendingPost => TransportType != HttpTransportType.WebSockets && Volatile.Read(ref _writerLease) is not null;

    public bool ApplicationStarted => Volatile.Read(ref _applicationTask) is not null;

    /// <summary>The application has completed its output and the transport has read all of it.</summary>
    public bool OutputDrained { get; private set; }

    public Task? ApplicationTask => _applicationTask;

    /// <summary>Takes the user of each request that reaches this connection, and the addresses of the first.</summary>
    public void UpdateFromRequest(HttpContext context)
    {
        // The authenticated user only: HttpContext.User would create an empty principal for every anonymous request.
        User = context.Features.Get<IHttpAuthenticationFeature>()?.User;
        var http = context.Connection;
        if (RemoteEndPoint is null && http.RemoteIpAddress is { } remote)
        {
            RemoteEndPoint = new IPEndPoint(remote, http.RemotePort);
        }

        if (LocalEndPoint is null && http.LocalIpAddress is { } local)
        {
            LocalEndPoint = new IPEndPoint(local, http.LocalPort);
        }
    }

    public void OnHeartbeat(Action<object> action, object state)
    {
        // Copy on write: registrations are rare, ticks are every second.
        lock (_lock)
        {
            _heartbeats = [.. _heartbeats, (action, state)];
        }
    }

    /// <summary>
    /// A transport starts a send that must complete within <paramref name="timeout"/>. Checked by the shared heartbeat
    /// (<see cref="TickHeartbeat"/>, at most a second late) instead of a timer per connection, which an idle connection
    /// would otherwise hold and every send would re-arm.
    /// </summary>
    internal void SendStarting(TimeSpan timeout)
    {
        if (timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            Volatile.Write(ref _sendDeadlineTicks, Environment.TickCount64 + (long)timeout.TotalMilliseconds);
        }
    }

    internal void SendCompleted() => Volatile.Write(ref _sendDeadlineTicks, 0);

    internal void TickHeartbeat(long nowTicks)
    {
        var deadline = Volatile.Read(ref _sendDeadlineTicks);
        if (deadline != 0 && nowTicks > deadline && Interlocked.CompareExchange(ref _sendDeadlineTicks, 0, deadline) == deadline)
        {
            TransportLog.SendTimedOut(_logger, ConnectionId);
            // Closing with an error aborts the transport, which ends the stuck send.
            _ = CloseAsync(new ConnectionAbortedException("A send did not complete within the transport send timeout."));
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

    /// <summary>No request holds the connection and none has for longer than <paramref name="timeoutMs"/>.</summary>
    internal bool IsIdle(long nowTicks, long timeoutMs) =>
        Volatile.Read(ref _readerLease) is null && !IsClosing && nowTicks - Volatile.Read(ref _lastSeenTicks) > timeoutMs;

    /// <summary>WebSockets and SSE: one long request owns the output reader (and, for WebSockets, the input writer) for the connection's life.</summary>
    public AttachStatus TryAttachStream(HttpTransportType type, out TransportLease? lease)
    {
        lease = null;
        lock (_lock)
        {
            if (_closeTask is not null)
            {
                return AttachStatus.Closed;
            }

            if (TransportType != HttpTransportType.None && TransportType != type)
            {
                return AttachStatus.TransportMismatch;
            }

            if (_readerLease is not null || (type == HttpTransportType.WebSockets && _writerLease is not null))
            {
                return AttachStatus.Busy;
            }

            if (TransportType == type)
            {
                // The stream this connection was bound to has ended; only stateful reconnect may attach a new one.
                if (type != HttpTransportType.WebSockets || _reconnectCallback is null || _reconnectDisabled || _inputCompleted)
                {
                    return AttachStatus.Closed;
                }

                lease = new TransportLease();
                _readerLease = _writerLease = lease;
                return AttachStatus.Reattached;
            }

            TransportType = type;
            if (type == HttpTransportType.ServerSentEvents)
            {
                SupportedFormats = TransferFormat.Text;
            }

            lease = new TransportLease();
            _readerLease = lease;
            if (type == HttpTransportType.WebSockets)
            {
                _writerLease = lease;
            }

            return AttachStatus.Attached;
        }
    }

    /// <summary>Long Polling: takes the output reader, ending an older poll (it answers 204) if one holds it.</summary>
    public async ValueTask<AttachStatus> AttachPollAsync(TransportLease lease)
    {
        var waited = false;
        while (true)
        {
            TransportLease? previous;
            lock (_lock)
            {
                if (_closeTask is not null)
                {
                    return waited ? AttachStatus.ClosedWhileWaiting : AttachStatus.Closed;
                }

                if (TransportType != HttpTransportType.None && TransportType != HttpTransportType.LongPolling)
                {
                    return AttachStatus.TransportMismatch;
                }

                previous = _readerLease;
                if (previous is null)
                {
                    TransportType = HttpTransportType.LongPolling;
                    _readerLease = lease;
                    return AttachStatus.Attached;
                }

                previous.Superseded = true;
            }

            try
            {
                previous.Cancellation?.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            waited = true;
            await previous.Released.ConfigureAwait(false);
        }
    }

    public void ReleaseReader(TransportLease lease)
    {
        lock (_lock)
        {
            if (_readerLease == lease)
            {
                _readerLease = null;
            }

            if (_writerLease == lease)
            {
                _writerLease = null;
            }

            _lastSeenTicks = Environment.TickCount64;
        }

        lease.Release();
    }

    /// <summary>The HTTP POST send channel: one POST at a time writes client bytes into the input pipe.</summary>
    public AttachStatus TryAttachWriter(out TransportLease? lease)
    {
        lease = null;
        lock (_lock)
        {
            if (_closeTask is not null || _inputCompleted)
            {
                return AttachStatus.Closed;
            }

            if (TransportType == HttpTransportType.WebSockets)
            {
                return AttachStatus.TransportMismatch;
            }

            if (_writerLease is not null)
            {
                return AttachStatus.Busy;
            }

            lease = new TransportLease();
            _writerLease = lease;
            return AttachStatus.Attached;
        }
    }

    public void ReleaseWriter(TransportLease lease)
    {
        lock (_lock)
        {
            if (_writerLease == lease)
            {
                _writerLease = null;
            }
        }

        lease.Release();
    }

    public void OnReconnected(Func<PipeWriter, Task> notifyOnReconnect)
    {
        lock (_lock)
        {
            _reconnectCallback = notifyOnReconnect;
        }
    }

    public void DisableReconnect()
    {
        lock (_lock)
        {
            _reconnectDisabled = true;
        }
    }

    /// <summary>The WebSocket request holding the lease registers how to abort its socket, for a newer socket to take over.</summary>
    public void SetActiveTransportAbort(Action? abort) => Volatile.Write(ref _abortActiveTransport, abort);

    /// <summary>A new socket arrived while the old one still looks attached: aborts the old one and waits until it let go.</summary>
    public async Task AbortStaleTransportAsync()
    {
        TransportLease? stale;
        lock (_lock)
        {
            stale = _readerLease;
        }

        if (stale is null)
        {
            return;
        }

        TransportLog.StaleWebSocketAborted(_logger, ConnectionId);
        Volatile.Read(ref _abortActiveTransport)?.Invoke();
        await stale.Released.ConfigureAwait(false);
    }

    /// <summary>
    /// The socket dropped and the connection waits for a new one (called while still holding the lease). Output written
    /// meanwhile is read and dropped, so application writers never block on the pipe; the application replays what
    /// counts after the reattach. If no socket comes back, the idle scan closes the connection after the disconnect timeout.
    /// </summary>
    public void OnTransportLost()
    {
        var reader = Application.Input;
        _drainStopping = false;
        _drainTask = DrainAsync(reader);
    }

    private async Task DrainAsync(PipeReader reader)
    {
        await Task.Yield();
        try
        {
            while (!_drainStopping)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            TransportLog.SendFailed(_logger, ConnectionId, ex);
        }
    }

    private async Task StopDrainAsync()
    {
        if (_drainTask is not { } drain)
        {
            return;
        }

        _drainStopping = true;
        Application.Input.CancelPendingRead();
        await drain.ConfigureAwait(false);
        _drainTask = null;
    }

    /// <summary>
    /// First half of a reattach (holding the new lease, before the new socket's loops start): a fresh output pipe
    /// replaces the old one, whose reader keeps draining until <see cref="CompleteReattachAsync"/>.
    /// </summary>
    public PipeWriter BeginReattach()
    {
        var output = new Pipe(_manager.GetPipeOptions(_outputMaxBufferSize));
        lock (_lock)
        {
            _oldOutput = (Application.Input, Transport.Output);
            Transport = new DuplexPipe(_input.Reader, output.Writer);
            Application = new DuplexPipe(output.Reader, _input.Writer);
        }

        return output.Writer;
    }

    private (PipeReader Reader, PipeWriter Writer)? _oldOutput;

    /// <summary>
    /// Second half, while the new socket already sends: the application moves its writes to <paramref name="writer"/>
    /// (and writes Sequence and its replay there); then the old pipe is drained one last time and dropped.
    /// </summary>
    public async Task CompleteReattachAsync(PipeWriter writer)
    {
        Func<PipeWriter, Task>? callback;
        lock (_lock)
        {
            callback = _reconnectCallback;
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
            if (_oldOutput is var (oldReader, oldWriter) && _drainTask is { } drain)
            {
                _drainStopping = true;
                oldReader.CancelPendingRead();
                await drain.ConfigureAwait(false);
                _drainTask = null;
                oldReader.Complete();
                oldWriter.Complete();
            }

            _oldOutput = null;
        }
    }

    /// <summary>Ends the application's input. Called by the input writer's owner, or by <see cref="CloseAsync"/> after it let go.</summary>
    public void CompleteTransportInput(Exception? error)
    {
        lock (_lock)
        {
            if (_inputCompleted)
            {
                return;
            }

            _inputCompleted = true;
        }

        Application.Output.Complete(error);
        CancelClosedToken();
    }

    /// <summary>Stops reading the application's output. Called by the output reader's owner, or by <see cref="CloseAsync"/>.</summary>
    public void CompleteTransportOutput()
    {
        lock (_lock)
        {
            if (_outputCompleted)
            {
                return;
            }

            _outputCompleted = true;
        }

        Application.Input.Complete();
    }

    public void MarkOutputDrained() => OutputDrained = true;

    public void StartApplication(ConnectionDelegate connectionDelegate)
    {
        lock (_lock)
        {
            if (_applicationTask is not null)
            {
                return;
            }

            _applicationTask = RunApplicationAsync(connectionDelegate);
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
            Transport.Output.Complete(error);
            Transport.Input.Complete();
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
    public Task CloseAsync(Exception? error)
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
            CloseError = error;
            _transportCts.Cancel();

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

            if (_applicationTask is { } application)
            {
                await application.ConfigureAwait(false);
            }
            else
            {
                Transport.Output.Complete();
                Transport.Input.Complete();
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
            done.TrySetResult();
        }
    }

    private void CancelClosedToken()
    {
        try
        {
            _closedCts.Cancel();
        }
        catch (Exception ex)
        {
            TransportLog.ClosedCallbackFailed(_logger, ConnectionId, ex);
        }
    }
}
