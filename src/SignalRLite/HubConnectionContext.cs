using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using SignalRLite.Http.Connections.Features;
using SignalRLite.Internal.Connections;
using SignalRLite.Internal.Hubs;
using SignalRLite.Internal.Protocol;
using SignalRLite.Protocol;

namespace SignalRLite;

/// <summary>
/// One hub connection after its handshake: what lifetime managers and user-id providers see.
/// Writes are serialised: concurrent <c>WriteAsync</c> calls never interleave their bytes.
/// </summary>
/// <remarks>
/// <para>
/// A facade over parts with one job each: <see cref="HubConnectionWriter"/> is the only path to the output (ordering,
/// deferred flushes, the stateful reconnect replay), <see cref="IOutboundQueuePolicy"/> decides what a send to many
/// connections does about this one when its output is full, and <see cref="HubConnectionLiveness"/> watches the
/// handshake deadline, keep-alive, client timeout and authentication expiry. What stays here is the connection's
/// identity, its close reason (the first one wins) and the state the dispatcher keeps per connection.
/// </para>
/// <para>
/// Backpressure comes from the transport's output pipe: a write waits while the pipe holds more than the endpoint's
/// <c>ApplicationMaxBufferSize</c>. Later writers queue, in order (FIFO). A send to many connections waits for a slow
/// client as any send does, but not for a stalled one (see <see cref="WriteFanOut"/>): its messages queue, up to
/// <see cref="HubConnectionContextOptions.MaximumQueuedMessages"/>, beyond which it is closed.
/// </para>
/// </remarks>
public class HubConnectionContext
{
    private readonly ConnectionContext _connectionContext;
    private CancellationTokenSource? _abortedCts; // created on first read of ConnectionAborted (see there)
    private int _abortRequested; // 1 once CancelAborted ran (Interlocked)
    private readonly HubConnectionWriter _writer;
    private readonly HubConnectionLiveness _liveness;
    private IOutboundQueuePolicy? _queuePolicy; // created on the first fan-out write that cannot complete at once (see WriteFanOut)
    private int _closeReason; // a HubConnectionCloseReason; set once, from None (Interlocked)
    private ClaimsPrincipal? _anonymous;
    private IStatefulReconnectFeature? _reconnectFeature;

    /// <summary>Creates the context for a connection of the connection layer.</summary>
    public HubConnectionContext(ConnectionContext connectionContext, HubConnectionContextOptions contextOptions, ILoggerFactory loggerFactory)
        : this(connectionContext, contextOptions, loggerFactory, TimeProvider.System)
    {
    }

    /// <summary>The hub layer's constructor: time comes from <paramref name="timeProvider"/>, the heartbeat's.</summary>
    internal HubConnectionContext(ConnectionContext connectionContext, HubConnectionContextOptions contextOptions, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(connectionContext);
        ArgumentNullException.ThrowIfNull(contextOptions);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _connectionContext = connectionContext;
        Logger = loggerFactory.CreateLogger("SignalRLite.HubConnectionContext");
        Options = contextOptions;
        // Output null only for a context built without a transport (a custom lifetime manager's unit test, say): such
        // a context can be stored and enumerated but not written to.
        _writer = new HubConnectionWriter(this, connectionContext.Transport?.Output!, timeProvider);
        _liveness = new HubConnectionLiveness(this, _writer, timeProvider, contextOptions);
    }

    /// <summary>The connection id.</summary>
    public virtual string ConnectionId => _connectionContext.ConnectionId;

    /// <summary>The authenticated user (an empty principal when the connection is anonymous).</summary>
    public virtual ClaimsPrincipal User => AuthenticatedUser ?? (_anonymous ??= new ClaimsPrincipal(new ClaimsIdentity()));

    /// <summary>The user the connection layer knows, without creating the empty principal of an anonymous connection.</summary>
    internal ClaimsPrincipal? AuthenticatedUser
    {
        get
        {
            var features = Features;
            if (features.Get<IConnectionAuthenticatedUserFeature>() is { } authenticated)
            {
                // A connection layer whose IConnectionUserFeature would create an empty principal on first read.
                return authenticated.AuthenticatedUser;
            }

            return features.Get<IConnectionUserFeature>() is { } user ? user.User : features.Get<IHttpContextFeature>()?.HttpContext?.User;
        }
    }

    /// <summary>The user id given by <see cref="IUserIdProvider"/>.</summary>
    public string? UserIdentifier { get; set; }

    /// <summary>The connection's features.</summary>
    public virtual IFeatureCollection Features => _connectionContext.Features;

    /// <summary>Per-connection state.</summary>
    public virtual IDictionary<object, object?> Items => _connectionContext.Items;

    /// <summary>Cancelled when the connection ends or is aborted.</summary>
    /// <remarks>
    /// The source is created on first read: an idle connection whose hub never looks at the token holds none. Lock-free,
    /// and safe because <see cref="CancelAborted"/> and this getter each write their field with a full fence
    /// (Interlocked) before reading the other's: if the canceller missed a source published here, this getter sees the
    /// request and cancels the source itself (before anyone could register on it); if both see each other, the source
    /// is cancelled twice, which is idempotent.
    /// </remarks>
    public virtual CancellationToken ConnectionAborted
    {
        get
        {
            var cts = Volatile.Read(ref _abortedCts);
            if (cts is not null)
            {
                return cts.Token;
            }

            if (Volatile.Read(ref _abortRequested) != 0)
            {
                return new CancellationToken(canceled: true);
            }

            cts = new CancellationTokenSource();
            if (Interlocked.CompareExchange(ref _abortedCts, cts, null) is { } winner)
            {
                cts.Dispose();
                return winner.Token;
            }

            if (Volatile.Read(ref _abortRequested) != 0)
            {
                // No callback can be registered yet: nobody has had the token.
                cts.Cancel();
            }

            return cts.Token;
        }
    }

    /// <summary><see cref="ConnectionAborted"/> exists (test hook: reading the token creates it).</summary>
    internal bool AbortedSourceCreated => Volatile.Read(ref _abortedCts) is not null;

    /// <summary>The connection is aborting, read without creating the <see cref="ConnectionAborted"/> source.</summary>
    internal bool IsAbortRequested => Volatile.Read(ref _abortRequested) != 0 || (Volatile.Read(ref _abortedCts)?.IsCancellationRequested ?? false);

    /// <summary>The hub protocol chosen in the handshake.</summary>
    public virtual IHubProtocol Protocol { get; set; } = null!;

    internal HubConnectionContextOptions Options { get; }

    internal ConnectionContext ConnectionContext => _connectionContext;

    internal ILogger Logger { get; }

    /// <summary>The hub layer's clock (the heartbeat's; kept by the liveness, not in a field of its own here).</summary>
    internal TimeProvider TimeProvider => _liveness.Time;

    /// <summary>This connection's slot in the <see cref="HubConnectionHeartbeat"/> (-1: not watched); read and written under the heartbeat's lock.</summary>
    internal int HeartbeatSlot { get; set; } = -1;

    /// <summary>Why the connection is closing; <see cref="HubConnectionCloseReason.None"/> while it runs.</summary>
    internal HubConnectionCloseReason CloseReason => (HubConnectionCloseReason)Volatile.Read(ref _closeReason);

    // Per-connection objects of the hub layer that an idle connection does not need: each is created on first use and
    // published with a compare-exchange, because two threads can reach it first at once (the read loop and an
    // invocation on the thread pool, two invocations with MaximumParallelInvocationsPerClient > 1, an authentication
    // refresh request, two senders' fan-outs). The loser drops its copy before anyone saw it, so every caller gets the
    // one published object, and state kept in it (counts, spare objects, running invocations) is never split in two.
    private InvocationMessageCache? _invocationMessages;
    private HubConnectionInvocations? _invocations;
    private object? _callerClients; // the hub's IHubClients (SetHubClients) until first use, then the HubCallerClients built from it

    /// <summary>The spare invocation objects the parser reuses (created on the first message parsed).</summary>
    internal InvocationMessageCache InvocationMessages =>
        Volatile.Read(ref _invocationMessages) ?? Interlocked.CompareExchange(ref _invocationMessages, new InvocationMessageCache(), null) ?? _invocationMessages!;

    /// <summary>The spare invocation objects exist (test hook: reading <see cref="InvocationMessages"/> creates them).</summary>
    internal bool InvocationMessagesCreated => Volatile.Read(ref _invocationMessages) is not null;

    /// <summary>Per-connection dispatch state (running invocations, upload streams) if the dispatcher has needed it yet; null until then (nothing in flight).</summary>
    internal HubConnectionInvocations? Invocations => Volatile.Read(ref _invocations);

    /// <summary>Per-connection dispatch state, owned by the dispatcher: created on its first use (see the note above the fields).</summary>
    internal HubConnectionInvocations GetInvocations() =>
        Volatile.Read(ref _invocations)
        ?? Interlocked.CompareExchange(ref _invocations, new HubConnectionInvocations(Options.MaximumParallelInvocations, this), null)
        ?? _invocations!;

    /// <summary>Where <see cref="CallerClients"/> will come from: the hub's clients (set by the dispatcher before the hub first runs).</summary>
    internal void SetHubClients(IHubClients hubClients) => Interlocked.CompareExchange(ref _callerClients, hubClients, null);

    /// <summary>
    /// The caller-relative clients of this connection, one object per connection, created on the first read (a hub
    /// reading <c>Clients</c>); null when no hub runs on this connection (<see cref="SetHubClients"/> was not called).
    /// </summary>
    internal IHubCallerClients? CallerClients
    {
        get
        {
            var current = Volatile.Read(ref _callerClients);
            if (current is HubCallerClients created)
            {
                return created;
            }

            if (current is not IHubClients hubClients)
            {
                return null;
            }

            // Published over the hub clients it was built from (see the note above the fields): concurrent first readers
            // all return the winner.
            var built = new HubCallerClients(hubClients, ConnectionId);
            return Interlocked.CompareExchange(ref _callerClients, built, current) is HubCallerClients winner ? winner : built;
        }
    }

    /// <summary>The caller clients exist (test hook: reading <see cref="CallerClients"/> creates them).</summary>
    internal bool CallerClientsCreated => Volatile.Read(ref _callerClients) is HubCallerClients;

    /// <summary>The hub-facing view of this connection, built once per connection.</summary>
    internal HubCallerContext? CallerContext
    {
        // Replaced by an authentication refresh on the refresh request's thread and read by invocations on others: an
        // invocation reads it once, at its start, and keeps the object it got (see HubDispatcher.AuthenticationRefresh.cs).
        get => Volatile.Read(ref _callerContext);
        set => Volatile.Write(ref _callerContext, value);
    }

    private HubCallerContext? _callerContext;

    /// <summary>Stateful reconnect state, when the client asked for it with handshake version 2 (HubProtocol.md, "Ack" and "Sequence").</summary>
    internal ReplayBuffer? Replay => _writer.Replay;

    /// <summary>
    /// Closes the connection: the client gets a Close message without error, and nothing else from then on (no
    /// Completion of the invocation that called it, no message sent after it), as from the official server (observed).
    /// </summary>
    public virtual void Abort() => RequestClose(HubConnectionCloseReason.Aborted);

    /// <summary><see cref="Abort"/> was called: writes are dropped, only the final Close goes out.</summary>
    private bool IsAborted => Volatile.Read(ref _closeReason) == (int)HubConnectionCloseReason.Aborted;

    /// <summary>Writes one message.</summary>
    public virtual ValueTask WriteAsync(HubMessage message, CancellationToken cancellationToken = default) =>
        WriteAsync(message, flush: true, cancellationToken);

    /// <summary>
    /// Writes one message; without <paramref name="flush"/> (and when the output is free) the bytes stay in the pipe
    /// until the next flush, which the caller guarantees (<see cref="FlushDeferredWrites"/> or a later write).
    /// </summary>
    internal ValueTask WriteAsync(HubMessage message, bool flush, CancellationToken cancellationToken = default) =>
        IsAborted ? default : _writer.WriteAsync(message, flush, cancellationToken);

    /// <summary>Writes one message whose bytes may already be serialised for this connection's protocol.</summary>
    public virtual ValueTask WriteAsync(SerializedHubMessage message, CancellationToken cancellationToken = default) =>
        IsAborted ? default : _writer.WriteAsync(message, fanOut: false, cancellationToken);

    /// <summary>A client whose output has been full for this long, with nothing flushed meanwhile, is stalled.</summary>
    internal static readonly TimeSpan StalledAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Writes one message of a send to many connections; returns what the fan-out should wait for (null: nothing).
    /// A write that completes at once needs no waiting; one that cannot (the client's pipe is full) goes to the
    /// connection's <see cref="IOutboundQueuePolicy"/> (<see cref="SlowConsumerQueuePolicy"/>), which decides whether
    /// the sender waits for it and when the client is too slow to keep. The fan-out bounds its wait for writes that
    /// stall meanwhile by <see cref="StalledAfter"/> (see <see cref="HubFanOut"/>).
    /// </summary>
    internal Task? WriteFanOut(SerializedHubMessage message, CancellationToken cancellationToken)
    {
        // The socket send of each connection runs on the thread pool, not on the sender's thread (HubConnectionWriter).
        var write = IsAborted ? default : _writer.WriteAsync(message, fanOut: true, cancellationToken);
        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            return null;
        }

        // Created here, on the first write that could not complete at once; two senders' fan-outs can get here together,
        // and the compare-exchange gives both the same policy, so the count of queued writes is kept in one place.
        var policy = Volatile.Read(ref _queuePolicy)
            ?? Interlocked.CompareExchange(ref _queuePolicy, new SlowConsumerQueuePolicy(this, _writer, Options.MaximumQueuedMessages), null)
            ?? _queuePolicy!;
        return policy.OnPendingWrite(write);
    }

    /// <summary>The slow-consumer policy exists (test hook).</summary>
    internal bool QueuePolicyCreated => Volatile.Read(ref _queuePolicy) is not null;

    /// <summary>The <c>SignalRLite</c> meter's instruments, set by the hub layer before the handshake (null for a context built by hand).</summary>
    internal SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? Metrics { get; set; }

    /// <summary>The <c>signalr.hub</c> attribute of this connection's measurements.</summary>
    internal string MetricsHubName { get; set; } = "";

    /// <summary>Stateful reconnect is on for this connection (handshake version 2 on a transport that offers it).</summary>
    internal bool StatefulReconnectEnabled => _writer.Replay is not null;

    /// <summary>Turns stateful reconnect on for this connection (handshake version 2 on a connection that negotiated it).</summary>
    internal void EnableStatefulReconnect(IStatefulReconnectFeature feature)
    {
        _writer.EnableReplay(new ReplayBuffer(Options.StatefulReconnectBufferSize));
        _reconnectFeature = feature;
        feature.OnReconnected(_writer.ReattachAsync);
    }

    /// <summary>Turns reattaching off: the next transport loss ends the connection.</summary>
    internal void DisableReconnect() => _reconnectFeature?.DisableReconnect();

    /// <summary>Sends an Ack for the trackable messages received since the last one, unless a write is in progress.</summary>
    internal void TrySendAck() => _writer.TrySendAck();

    /// <summary>The connection ended: frees the replay buffer and lets waiting senders go.</summary>
    internal void ReleaseReplayBuffer()
    {
        DisableReconnect();
        _writer.Replay?.Clear();
    }

    /// <summary>Flushes bytes written without a flush (<see cref="WriteAsync(HubMessage, bool, CancellationToken)"/>), if any.</summary>
    internal void FlushDeferredWrites() => _writer.FlushDeferred();

    /// <summary>Writes the handshake response. Called before any other write.</summary>
    internal ValueTask WriteHandshakeResponseAsync(HandshakeResponseMessage response) => _writer.WriteHandshakeResponseAsync(response);

    /// <summary>Writes a last message (if any) and completes the output, after which writes are ignored.</summary>
    /// <remarks>Waits a bounded time for a write that is stuck on backpressure; then aborts the transport instead.</remarks>
    internal Task CompleteOutputAsync(HubMessage? lastMessage, TimeSpan lockTimeout) => _writer.CompleteAsync(lastMessage, lockTimeout);

    /// <summary>Starts closing: cancels <see cref="ConnectionAborted"/> and wakes the read loop. The first reason wins.</summary>
    internal void RequestClose(HubConnectionCloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, 0) != 0)
        {
            return;
        }

        // Off the caller's stack: token callbacks run user code and Abort() is called from hub methods.
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            var self = (HubConnectionContext)state!;
            try
            {
                self._connectionContext.Transport.Input.CancelPendingRead();
            }
            catch (InvalidOperationException)
            {
                // The reader is already completed.
            }

            self.CancelAborted();
        }, this);
    }

    /// <summary>The Close message of a <see cref="HubConnectionCloseReason.Requested"/> close (admin API, drain).</summary>
    internal CloseMessage? RequestedClose => Volatile.Read(ref _requestedClose);

    private CloseMessage? _requestedClose;

    /// <summary>
    /// Starts closing with <paramref name="close"/> as the last message, unless a close is already under way (then false).
    /// </summary>
    internal bool RequestClose(CloseMessage close)
    {
        // Published before the reason: the read loop reads the reason, then the message.
        Interlocked.CompareExchange(ref _requestedClose, close, null);
        if (CloseReason != HubConnectionCloseReason.None)
        {
            return false;
        }

        RequestClose(HubConnectionCloseReason.Requested);
        return CloseReason == HubConnectionCloseReason.Requested && ReferenceEquals(RequestedClose, close);
    }

    internal void CancelAborted()
    {
        // Full fence before reading the source: see ConnectionAborted for why a source published meanwhile is not missed.
        Interlocked.Exchange(ref _abortRequested, 1);
        if (Volatile.Read(ref _abortedCts) is not { } cts)
        {
            return;
        }

        try
        {
            cts.Cancel();
        }
        catch (AggregateException ex)
        {
            HubLog.AbortCallbackFailed(Logger, ConnectionId, ex);
        }
    }

    // Liveness (handshake deadline, keep-alive, client timeout, authentication expiry): see HubConnectionLiveness.
    internal void StartHandshakeTimer(TimeSpan timeout) => _liveness.StartHandshakeTimer(timeout);

    internal void HandshakeCompleted() => _liveness.HandshakeCompleted(Protocol);

    internal void MessageReceived() => _liveness.MessageReceived();

    /// <summary>The client sent a Ping: on a transport with inherent keep-alive this arms the client timeout.</summary>
    internal void PingReceived() => _liveness.PingReceived();

    /// <summary>The read loop stops or resumes reading on the server's account; the client timeout does not run meanwhile.</summary>
    internal void ReaderPaused(bool paused) => _liveness.ReaderPaused(paused);

    /// <summary>Called by the shared heartbeat with a timestamp of its <see cref="TimeProvider"/> (the one this context was built with).</summary>
    internal void OnHeartbeat(long nowTimestamp) => _liveness.OnHeartbeat(nowTimestamp);
}
