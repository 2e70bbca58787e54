using System.IO.Pipelines;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

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
    IHttpTransportFeature
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

    public HttpConnectionContext(
        string connectionId,
        string connectionToken,
        HttpConnectionDispatcherOptions options,
        HttpConnectionManager manager,
        ILogger logger)
    {
        ConnectionId = connectionId;
        ConnectionToken = connectionToken;
        _manager = manager;
        _logger = logger;
        _lastSeenTicks = Environment.TickCount64;

        var input = new Pipe(CreatePipeOptions(options.TransportMaxBufferSize));
        var output = new Pipe(CreatePipeOptions(options.ApplicationMaxBufferSize));
        Transport = new DuplexPipe(input.Reader, output.Writer);
        Application = new DuplexPipe(output.Reader, input.Writer);
        ConnectionClosed = _closedCts.Token;
        SupportedFormats = TransferFormat.Text | TransferFormat.Binary;
        ActiveFormat = TransferFormat.Text;

        var features = new FeatureCollection();
        features.Set<IConnectionIdFeature>(this);
        features.Set<IConnectionItemsFeature>(this);
        features.Set<IConnectionTransportFeature>(this);
        features.Set<IConnectionLifetimeFeature>(this);
        features.Set<IConnectionUserFeature>(this);
        features.Set<IConnectionHeartbeatFeature>(this);
        features.Set<IConnectionEndPointFeature>(this);
        features.Set<IConnectionInherentKeepAliveFeature>(this);
        features.Set<ITransferFormatFeature>(this);
        features.Set<IHttpContextFeature>(this);
        features.Set<IHttpTransportFeature>(this);
        Features = features;
    }

    public override string ConnectionId { get; set; }

    /// <summary>The value clients put in <c>id=</c>: the token for negotiate v1, the connection ID for v0.</summary>
    public string ConnectionToken { get; }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items { get; set; } = new ConnectionItems();

    public override IDuplexPipe Transport { get; set; }

    /// <summary>The transport's side: Input = what the application wrote, Output = where client bytes go.</summary>
    public IDuplexPipe Application { get; }

    public override CancellationToken ConnectionClosed { get; set; }

    public ClaimsPrincipal? User { get; set; }

    /// <summary>Long Polling answers every poll within the poll timeout, which tells the client the server is alive.</summary>
    public bool HasInherentKeepAlive => TransportType == HttpTransportType.LongPolling;

    public TransferFormat SupportedFormats { get; set; }

    public TransferFormat ActiveFormat { get; set; }

    public HttpContext? HttpContext { get; set; }

    public HttpTransportType TransportType { get; private set; }

    public bool UseStatefulReconnect { get; init; }

    /// <summary>Why the connection is closing: null for a graceful close (DELETE, host shutdown), else the error or abort reason.</summary>
    public Exception? CloseError { get; private set; }

    /// <summary>Cancelled when the connection starts closing; transports stop using the pipes when they see it.</summary>
    public CancellationToken TransportClosing => _transportCts.Token;

    public bool IsClosing => Volatile.Read(ref _closeTask) is not null;

    /// <summary>A Long Polling request currently holds the output reader.</summary>
    public bool HasPendingPoll => TransportType == HttpTransportType.LongPolling && Volatile.Read(ref _readerLease) is not null;

    /// <summary>A POST currently holds the input writer.</summary>
    public bool HasPendingPost => TransportType != HttpTransportType.WebSockets && Volatile.Read(ref _writerLease) is not null;

    public bool ApplicationStarted => Volatile.Read(ref _applicationTask) is not null;

    /// <summary>The application has completed its output and the transport has read all of it.</summary>
    public bool OutputDrained { get; private set; }

    public Task? ApplicationTask => _applicationTask;

    private static PipeOptions CreatePipeOptions(long maxBufferSize) =>
        new(
            pauseWriterThreshold: maxBufferSize,
            resumeWriterThreshold: maxBufferSize == 0 ? 0 : Math.Max(1, maxBufferSize / 2),
            readerScheduler: PipeScheduler.ThreadPool,
            useSynchronizationContext: false);

    /// <summary>Takes the user of each request that reaches this connection, and the addresses of the first.</summary>
    public void UpdateFromRequest(HttpContext context)
    {
        User = context.User;
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

    internal void TickHeartbeat()
    {
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
                // The stream this connection was bound to has ended; reattaching needs stateful reconnect.
                return AttachStatus.Closed;
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
