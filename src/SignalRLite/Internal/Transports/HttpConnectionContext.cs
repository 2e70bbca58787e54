using System.Diagnostics;
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
/// <para>
/// Two pipes (none, for a WebSocket without stateful reconnect: its application reads the socket through a
/// <see cref="WebSocketInput"/> and writes it through a <see cref="WebSocketOutput"/>): <see cref="Transport"/> is the application's side (Input = client to server, Output = server to client),
/// <see cref="Application"/> the transport's side. Each transport-side end is used by at most one request at a time,
/// which holds a <see cref="TransportLease"/> taken under <see cref="_lock"/>. Whoever ends the connection while holding
/// a lease completes that end itself; otherwise <see cref="CloseAsync"/> completes it after the lease is released.
/// </para>
/// <para>The class is split by concern:</para>
/// <list type="bullet">
/// <item>this file: state, invariants and the <see cref="ConnectionContext"/> surface;</item>
/// <item><c>HttpConnectionContext.Features.cs</c>: the connection as its own feature collection;</item>
/// <item><c>HttpConnectionContext.Leases.cs</c>: which request may use which pipe end (attach, release);</item>
/// <item><c>HttpConnectionContext.Lifetime.cs</c>: the application task and the close sequence;</item>
/// <item><c>HttpConnectionContext.Reconnect.cs</c>: stateful reconnect, the output pipe swap for a new WebSocket;</item>
/// <item><c>HttpConnectionContext.Liveness.cs</c>: heartbeat, send timeout, idle detection (on the manager's <see cref="TimeProvider"/>).</item>
/// </list>
/// <para>Concurrency: one lock, <see cref="_lock"/>. Every mutable field is read and written under it, except the
/// ones listed here, each with why a lock-free access is safe:</para>
/// <list type="bullet">
/// <item><see cref="_sendDeadline"/>: a single <c>long</c> on the per-message send path; written by the one send
/// loop (Volatile), cleared by whichever of the send loop and the heartbeat gets there first (Interlocked CAS), so a
/// deadline fires at most once and never after its send completed.</item>
/// <item><see cref="_heartbeats"/>: copy on write under the lock; the tick reads the current array with Volatile.Read,
/// and a published array is never mutated.</item>
/// <item><see cref="_items"/>, <see cref="_posts"/>: created on first use and published once by CompareExchange; every
/// reader gets the same instance, which is itself thread-safe (<see cref="ConnectionItems"/> by its own contract,
/// <see cref="PostQueue"/> by its own lock).</item>
/// <item><see cref="ActiveFormat"/>: written by the application during the handshake, before it writes output; the
/// WebSocket send loop reads it per message after reading that output from the pipe, which orders the two. An enum
/// field cannot tear.</item>
/// <item><c>RemoteEndPoint</c>/<c>LocalEndPoint</c>: their addresses and ports are written once, from null, under the
/// lock, by the first request; the <see cref="IPEndPoint"/> objects are created under the lock on first read (most
/// connections are never asked).</item>
/// <item>Fields marked <c>readonly</c>, and <see cref="ConnectionId"/> (settable only because the base class says so;
/// set in the constructor): immutable after construction.</item>
/// </list>
/// <para>Invariants (under the lock; checked by <see cref="AssertInvariants"/> after each change):</para>
/// <list type="number">
/// <item>No transport bound (<see cref="HttpTransportType.None"/>): no request holds the output reader.</item>
/// <item>WebSockets: one lease holds both ends or none does (<c>_writerLease == _readerLease</c>).</item>
/// <item>Server-Sent Events: the supported format is text only.</item>
/// <item>A reattach in progress (<see cref="ReconnectState.OldOutput"/> set) happens under the new socket's reader lease.</item>
/// <item>The old output is drained (<see cref="ReconnectState.Drain"/> set) only for a WebSocket connection that
/// registered for stateful reconnect.</item>
/// <item>A close error exists only once the close started (<see cref="_closeTask"/> set, both in one step).</item>
/// <item>The direct pipes (<see cref="_directInput"/> and <see cref="_directOutput"/>, together: the application uses
/// the socket itself, see <see cref="UseDirectPipes"/>) exist only on a WebSocket connection, which then has no pipes.</item>
/// <item>The transports are told of the close (<see cref="_closingSignalled"/>) only once the close started.</item>
/// <item>The cancellation sources are created on first read of their token, and only before their event: a read of
/// <see cref="TransportClosing"/> after the close signal gets a cancelled token without a source (a source made before
/// it is cancelled by SignalTransportsClosing, outside the lock, right after the signal); <see cref="_closedCts"/> is
/// cancelled once the input ended (by
/// <see cref="CancelClosedToken"/>, outside the lock, so only after it ran), and a read after that gets a cancelled
/// token without a source.</item>
/// </list>
/// </remarks>
internal sealed partial class HttpConnectionContext : ConnectionContext,
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

    // Immutable after construction.
    private readonly HttpConnectionManager _manager;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Pipe? _input; // null once a WebSocket uses the socket directly (UseDirectPipes)

    // Guarded by _lock.
    private IDuplexPipe _transport;
    private IDuplexPipe _application;
    private HttpTransportType _transportType;
    private TransferFormat _supportedFormats;
    private TransportLease? _readerLease;
    private TransportLease? _writerLease;
    private Task? _applicationTask;
    private Task? _closeTask;
    private Exception? _closeError;
    private ConnectionEndReason _endReason; // set with _closeTask
    private long _startedTimestamp; // TimeProvider timestamp of StartApplication; 0 until then (metrics)
    private bool _inputCompleted;
    private bool _outputCompleted;
    private bool _outputDrained;
    private long _lastSeen; // TimeProvider timestamp of the last release of the output reader (or of the creation)
    private ClaimsPrincipal? _user;
    private HttpContext? _httpContext;
    private WebSocketsTransport? _activeWebSocket; // the socket request holding the lease, told directly when closing starts
    private bool _closingSignalled; // RunCloseAsync told the transports (TransportClosing, the active WebSocket)
    private CancellationTokenSource? _closedCts; // created on first read of ConnectionClosed
    private CancellationTokenSource? _transportCts; // created on first read of TransportClosing (Long Polling, SSE, POST)
    private readonly ReconnectState? _reconnect; // only with stateful reconnect (HttpConnectionContext.Reconnect.cs)
    private WebSocketInput? _directInput;
    private WebSocketOutput? _directOutput; // set with _directInput
    private IPAddress? _remoteAddress; // until the first read of RemoteEndPoint (then null, the end point made)
    private int _remotePort;
    private IPAddress? _localAddress;
    private int _localPort;

    // Lock-free, see the remarks.
    private long _sendDeadline; // TimeProvider timestamp; 0: no transport send in progress (or no send timeout)
    private (Action<object> Callback, object State)[] _heartbeats = [];
    private IDictionary<object, object?>? _items;
    private PostQueue? _posts;

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
        _time = manager.TimeProvider;
        _logger = logger;
        _lastSeen = _time.GetTimestamp();

        var input = _input = new Pipe(manager.GetPipeOptions(options.TransportMaxBufferSize, input: true));
        var output = new Pipe(manager.GetPipeOptions(options.ApplicationMaxBufferSize, input: false));
        _transport = new DuplexPipe(input.Reader, output.Writer);
        _application = new DuplexPipe(output.Reader, input.Writer);
        _supportedFormats = TransferFormat.Text | TransferFormat.Binary;
        ActiveFormat = TransferFormat.Text;

        UseStatefulReconnect = useStatefulReconnect;
        _reconnect = useStatefulReconnect ? new ReconnectState(options.ApplicationMaxBufferSize) : null;
    }

    public override string ConnectionId { get; set; }

    /// <summary>The first request's remote address, as an <see cref="IPEndPoint"/> created on first read.</summary>
    public override EndPoint? RemoteEndPoint
    {
        get => ReadEndPoint(remote: true);
        set => WriteEndPoint(remote: true, value);
    }

    /// <summary>The first request's local address, as an <see cref="IPEndPoint"/> created on first read.</summary>
    public override EndPoint? LocalEndPoint
    {
        get => ReadEndPoint(remote: false);
        set => WriteEndPoint(remote: false, value);
    }

    private EndPoint? ReadEndPoint(bool remote)
    {
        lock (_lock)
        {
            ref var address = ref remote ? ref _remoteAddress : ref _localAddress;
            if (address is not null)
            {
                WriteEndPoint(remote, new IPEndPoint(address, remote ? _remotePort : _localPort));
            }

            return remote ? base.RemoteEndPoint : base.LocalEndPoint;
        }
    }

    // Under the lock (re-entered from ReadEndPoint): the end point replaces the address it would have been made from.
    private void WriteEndPoint(bool remote, EndPoint? value)
    {
        lock (_lock)
        {
            if (remote)
            {
                _remoteAddress = null;
                base.RemoteEndPoint = value;
            }
            else
            {
                _localAddress = null;
                base.LocalEndPoint = value;
            }
        }
    }

    /// <summary>The value clients put in <c>id=</c>: the token for negotiate v1, the connection ID for v0.</summary>
    public string ConnectionToken { get; }


    // Created on first use: most hubs never touch Context.Items.
    public override IDictionary<object, object?> Items
    {
        get => Volatile.Read(ref _items) ?? Interlocked.CompareExchange(ref _items, new ConnectionItems(), null) ?? _items;
        set => Volatile.Write(ref _items, value);
    }

    /// <summary>The application's side. Replaced (with <see cref="Application"/>, atomically) by a stateful reconnect.</summary>
    public override IDuplexPipe Transport
    {
        get
        {
            lock (_lock)
            {
                return _transport;
            }
        }
        set
        {
            lock (_lock)
            {
                _transport = value;
            }
        }
    }

    /// <summary>The transport's side: Input = what the application wrote, Output = where client bytes go.</summary>
    public IDuplexPipe Application
    {
        get
        {
            lock (_lock)
            {
                return _application;
            }
        }
    }

    /// <summary>
    /// Cancelled when the application's input ends. The source is created on first read (an idle WebSocket connection
    /// holds none); once the input ended, a read gets an already cancelled token.
    /// </summary>
    public override CancellationToken ConnectionClosed
    {
        get
        {
            lock (_lock)
            {
                return TokenCreatedOnFirstRead(ref _closedCts, _inputCompleted);
            }
        }
        set => throw new NotSupportedException("The connection layer owns ConnectionClosed.");
    }

    // Under the lock: the token of a source created on first read, or, once its event happened (`happened`) without a
    // source, an already cancelled token (invariant 9: no source is made after its event, nobody would cancel it).
    private static CancellationToken TokenCreatedOnFirstRead(ref CancellationTokenSource? source, bool happened)
    {
        if (source is null)
        {
            if (happened)
            {
                return new CancellationToken(canceled: true);
            }

            source = new CancellationTokenSource();
        }

        return source.Token;
    }

    /// <summary>The request's user; an empty principal (created on first read) for anonymous connections.</summary>
    public ClaimsPrincipal? User
    {
        get
        {
            lock (_lock)
            {
                return _user ??= new ClaimsPrincipal(new ClaimsIdentity());
            }
        }
        set
        {
            lock (_lock)
            {
                _user = value;
            }
        }
    }

    /// <summary>The authenticated user, or null: reading it creates nothing.</summary>
    public ClaimsPrincipal? AuthenticatedUser
    {
        get
        {
            lock (_lock)
            {
                return _user;
            }
        }
    }

    /// <summary>Long Polling answers every poll within the poll timeout, which tells the client the server is alive.</summary>
    /// <summary>Counts bytes a transport moved for this connection (<c>signalrlite.server.bytes</c>).</summary>
    internal void CountBytes(HttpTransportType transport, bool inbound, long bytes) => _manager.LiteMetrics?.TransportBytes(transport, inbound, bytes);

    public bool HasInherentKeepAlive => TransportType == HttpTransportType.LongPolling;

    public TransferFormat SupportedFormats
    {
        get
        {
            lock (_lock)
            {
                return _supportedFormats;
            }
        }
        set
        {
            lock (_lock)
            {
                _supportedFormats = value;
            }
        }
    }

    public TransferFormat ActiveFormat { get; set; }

    public HttpContext? HttpContext
    {
        get
        {
            lock (_lock)
            {
                return _httpContext;
            }
        }
        set
        {
            lock (_lock)
            {
                _httpContext = value;
            }
        }
    }

    /// <summary>None until the first transport request attaches; then fixed for the connection's life.</summary>
    public HttpTransportType TransportType
    {
        get
        {
            lock (_lock)
            {
                return _transportType;
            }
        }
    }

    public bool UseStatefulReconnect { get; }

    /// <summary>The connection-quota slots this connection holds (null without quotas); init-only, given back by the manager on removal.</summary>
    internal SignalRLite.Internal.Quotas.QuotaLease? Quota { get; init; }

    /// <summary>Takes the user of each request that reaches this connection, and the addresses of the first.</summary>
    public void UpdateFromRequest(HttpContext context)
    {
        // The authenticated user only: HttpContext.User would create an empty principal for every anonymous request.
        var user = context.Features.Get<IHttpAuthenticationFeature>()?.User;
        // The feature, not HttpContext.Connection: that wrapper would be created and kept with the request (a WebSocket's
        // request lives as long as the connection).
        var http = context.Features.Get<IHttpConnectionFeature>();
        lock (_lock)
        {
            _user = user;
            if (http is null)
            {
                return;
            }

            if (_remoteAddress is null && base.RemoteEndPoint is null && http.RemoteIpAddress is { } remote)
            {
                (_remoteAddress, _remotePort) = (remote, http.RemotePort);
            }

            if (_localAddress is null && base.LocalEndPoint is null && http.LocalIpAddress is { } local)
            {
                (_localAddress, _localPort) = (local, http.LocalPort);
            }
        }
    }

    /// <summary>
    /// A WebSocket connection without stateful reconnect: the application reads the socket through the transport's
    /// <see cref="WebSocketsTransport.Input"/> instead of the input pipe, and writes its
    /// <see cref="WebSocketsTransport.Output"/>, which sends on the socket when flushed, instead of the output pipe; both
    /// pipes are dropped, and the transport is the application's duplex pipe. Called once, before the application starts.
    /// </summary>
    public void UseDirectPipes(WebSocketsTransport transport)
    {
        lock (_lock)
        {
            Debug.Assert(_applicationTask is null && !UseStatefulReconnect, "Before the application, and never with a socket swap to come.");
            _directInput = transport.Input;
            _directOutput = transport.Output;
            _input = null;
            _transport = transport;
            _application = NoApplicationPipes;
            AssertInvariants();
        }
    }

    // The transport-side ends of a connection whose application uses the socket directly: nothing reads or writes them
    // (POSTs are refused on a WebSocket connection), and completing either end goes to the direct pipe instead.
    private static readonly IDuplexPipe NoApplicationPipes = CreateCompletedPipes();

    private static DuplexPipe CreateCompletedPipes()
    {
        var pipe = new Pipe();
        pipe.Writer.Complete();
        pipe.Reader.Complete();
        return new DuplexPipe(pipe.Reader, pipe.Writer);
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "The invariants hold under the lock.");
        Debug.Assert(_transportType != HttpTransportType.None || _readerLease is null, "1: no transport, no reader.");
        Debug.Assert(_transportType != HttpTransportType.WebSockets || _writerLease == _readerLease, "2: a WebSocket holds both ends or none.");
        Debug.Assert(_transportType != HttpTransportType.ServerSentEvents || _supportedFormats == TransferFormat.Text, "3: SSE is text only.");
        Debug.Assert(_reconnect?.OldOutput is null || _readerLease is not null, "4: a reattach happens under the new socket's lease.");
        Debug.Assert(_reconnect?.Drain is null || (_transportType == HttpTransportType.WebSockets && _reconnect.Callback is not null), "5: only a reconnectable WebSocket drains.");
        Debug.Assert(_closeError is null || _closeTask is not null, "6: a close error comes with the close.");
        Debug.Assert(_directInput is null || (_transportType == HttpTransportType.WebSockets && _input is null), "7: only a WebSocket reads directly, without the input pipe.");
        Debug.Assert((_directInput is null) == (_directOutput is null), "7: the direct pipes come as a pair.");
        Debug.Assert(!_closingSignalled || _closeTask is not null, "8: the transports are told of the close only once it started.");
    }
}
