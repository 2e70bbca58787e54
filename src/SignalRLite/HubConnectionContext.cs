using System.Buffers;
using System.IO.Pipelines;
using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using SignalRLite.Internal.Hubs;
using SignalRLite.Internal.Protocol;
using SignalRLite.Internal.Transports;
using SignalRLite.Protocol;
using SignalRLite.Http.Connections.Features;

namespace SignalRLite;

/// <summary>
/// One hub connection after its handshake: what lifetime managers and user-id providers see.
/// Writes are serialised: concurrent <c>WriteAsync</c> calls never interleave their bytes.
/// </summary>
/// <remarks>
/// Backpressure comes from the transport's output pipe: a write waits while the pipe holds more than the endpoint's
/// <c>ApplicationMaxBufferSize</c>. Later writers queue on the write lock, in order (FIFO). A send to many connections
/// waits for a slow client as any send does, but not for a stalled one (see <see cref="WriteFanOut"/>): its messages
/// queue, up to <see cref="HubConnectionContextOptions.MaximumQueuedMessages"/>, beyond which it is closed.
/// </remarks>
public class HubConnectionContext
{
    private readonly ConnectionContext _connectionContext;
    private readonly ILogger _logger;
    private PipeWriter _output; // replaced on a stateful reconnect, under _writeLock
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _abortedCts = new();
    private readonly long _keepAliveMs;
    private readonly long _clientTimeoutMs;
    private ReadOnlyMemory<byte> _pingBytes;
    private long _lastSendTicks;
    private long _lastReceiveTicks;
    private long _handshakeDeadlineTicks;
    private int _closeReason;
    private bool _inherentKeepAlive;
    private bool _pingReceived; // set once by the read loop, read by the heartbeat (Volatile)
    private long _authenticationExpiresUtcTicks;
    private bool _readerPaused;
    private ClaimsPrincipal? _anonymous;
    private bool _outputClosed; // guarded by _writeLock
    private ReplayBuffer? _replay;
    private IStatefulReconnectFeature? _reconnectFeature;
    private int _queuedFanOutWrites;
    private bool _flushDeferred; // written bytes not flushed yet; guarded by _writeLock
    private long _lastFlushTicks;

    /// <summary>Creates the context for a connection of the connection layer.</summary>
    public HubConnectionContext(ConnectionContext connectionContext, HubConnectionContextOptions contextOptions, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionContext);
        ArgumentNullException.ThrowIfNull(contextOptions);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _connectionContext = connectionContext;
        _logger = loggerFactory.CreateLogger("SignalRLite.HubConnectionContext");
        // Null only for a context built without a transport (a custom lifetime manager's unit test, say): such a
        // context can be stored and enumerated but not written to.
        _output = connectionContext.Transport?.Output!;
        _keepAliveMs = (long)contextOptions.KeepAliveInterval.TotalMilliseconds;
        _clientTimeoutMs = (long)contextOptions.ClientTimeoutInterval.TotalMilliseconds;
        Options = contextOptions;
        _lastSendTicks = _lastReceiveTicks = Environment.TickCount64;
    }

    /// <summary>The connection id.</summary>
    public virtual string ConnectionId => _connectionContext.ConnectionId;

    /// <summary>The authenticated user (an empty principal when the connection is anonymous).</summary>
    public virtual ClaimsPrincipal User => AuthenticatedUser ?? (_anonymous ??= new ClaimsPrincipal(new ClaimsIdentity()));

    /// <summary>The user the connection layer knows, without creating the empty principal of an anonymous connection.</summary>
    internal ClaimsPrincipal? AuthenticatedUser =>
        Features.Get<IConnectionUserFeature>() switch
        {
            HttpConnectionContext http => http.AuthenticatedUser,
            { } feature => feature.User,
            null => Features.Get<IHttpContextFeature>()?.HttpContext?.User,
        };

    /// <summary>The user id given by <see cref="IUserIdProvider"/>.</summary>
    public string? UserIdentifier { get; set; }

    /// <summary>The connection's features.</summary>
    public virtual IFeatureCollection Features => _connectionContext.Features;

    /// <summary>Per-connection state.</summary>
    public virtual IDictionary<object, object?> Items => _connectionContext.Items;

    /// <summary>Cancelled when the connection ends or is aborted.</summary>
    public virtual CancellationToken ConnectionAborted => _abortedCts.Token;

    /// <summary>The hub protocol chosen in the handshake.</summary>
    public virtual IHubProtocol Protocol { get; set; } = null!;

    internal HubConnectionContextOptions Options { get; }

    internal ConnectionContext ConnectionContext => _connectionContext;

    /// <summary>Why the connection is closing; <see cref="HubConnectionCloseReason.None"/> while it runs.</summary>
    internal HubConnectionCloseReason CloseReason => (HubConnectionCloseReason)Volatile.Read(ref _closeReason);

    /// <summary>The spare invocation objects the parser reuses.</summary>
    internal InvocationMessageCache InvocationMessages { get; } = new();

    /// <summary>Per-connection dispatch state (running invocations, upload streams), owned by the dispatcher.</summary>
    internal HubConnectionInvocations? Invocations { get; set; }

    /// <summary>The caller-relative clients of this connection, built once per connection.</summary>
    internal IHubCallerClients? CallerClients { get; set; }

    /// <summary>The hub-facing view of this connection, built once per connection.</summary>
    internal HubCallerContext? CallerContext { get; set; }

    /// <summary>Stateful reconnect state, when the client asked for it with handshake version 2 (HubProtocol.md, "Ack" and "Sequence").</summary>
    internal ReplayBuffer? Replay => _replay;

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
    /// Writes one message; without <paramref name="flush"/> (and when the write lock is free) the bytes stay in the pipe
    /// until the next flush, which the caller guarantees (<see cref="FlushDeferredWrites"/> or a later write).
    /// </summary>
    internal ValueTask WriteAsync(HubMessage message, bool flush, CancellationToken cancellationToken = default)
    {
        if (IsAborted)
        {
            return default;
        }

        // Serialised before taking the lock, so that a serialisation failure never leaves half a message in the pipe.
        if (_replay is not null && message is HubInvocationMessage)
        {
            // Kept for replay: the replay buffer holds on to the bytes, so they get their own array, never a pooled one.
            return WriteTrackedAsync(Protocol.GetMessageBytes(message), cancellationToken);
        }

        var buffer = PooledBufferWriter.Rent();
        try
        {
            Protocol.WriteMessage(message, buffer);
            // The pipe copies the bytes on Write, so the pooled buffer may go back once the locked write returns.
            return _writeLock.Wait(0)
                ? WriteLockedAsync(buffer.WrittenSpan, cancellationToken, flush)
                : WriteSlowAsync(buffer.WrittenSpan.ToArray(), cancellationToken);
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    /// <summary>Writes one message whose bytes may already be serialised for this connection's protocol.</summary>
    public virtual ValueTask WriteAsync(SerializedHubMessage message, CancellationToken cancellationToken = default)
    {
        if (IsAborted)
        {
            return default;
        }

        var bytes = message.GetSerializedMessage(Protocol);
        return _replay is not null && message.Message is null or HubInvocationMessage
            ? WriteTrackedAsync(bytes, cancellationToken)
            : WriteBytesAsync(bytes, cancellationToken);
    }

    /// <summary>A client whose output has been full for this long, with nothing flushed meanwhile, is stalled.</summary>
    internal static readonly TimeSpan StalledAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Writes one message of a send to many connections; returns what the fan-out should wait for (null: nothing).
    /// A write that cannot complete at once (the client's pipe is full) is awaited, which slows the sender to the
    /// pace of its slow clients, unless the client is stalled (nothing flushed for <see cref="StalledAfter"/>): then
    /// the message just queues, and the client is closed once more than
    /// <see cref="HubConnectionContextOptions.MaximumQueuedMessages"/> wait. The fan-out bounds its wait for writes
    /// that stall meanwhile by <see cref="StalledAfter"/> (see <see cref="HubFanOut"/>).
    /// </summary>
    internal Task? WriteFanOut(SerializedHubMessage message, CancellationToken cancellationToken)
    {
        var write = WriteAsync(message, cancellationToken);
        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            return null;
        }

        if (Options.MaximumQueuedMessages is not { } limit)
        {
            return write.AsTask();
        }

        if (Interlocked.Increment(ref _queuedFanOutWrites) > limit)
        {
            CloseSlowClient(limit);
        }

        var queued = AwaitQueuedFanOutWriteAsync(write);
        return Environment.TickCount64 - Volatile.Read(ref _lastFlushTicks) > (long)StalledAfter.TotalMilliseconds ? null : queued;
    }

    private async Task AwaitQueuedFanOutWriteAsync(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The sender's token: the message is simply not sent.
        }
        finally
        {
            Interlocked.Decrement(ref _queuedFanOutWrites);
        }
    }

    /// <summary>The client reads nothing while its queue overflows: abort the transport (a Close message could not get through).</summary>
    private void CloseSlowClient(int limit)
    {
        if (CloseReason != HubConnectionCloseReason.None)
        {
            return;
        }

        HubLog.SlowClient(_logger, ConnectionId, limit);
        RequestClose(HubConnectionCloseReason.SlowClient);
        // Ends the pending flush, which lets the queued writes drain (they find the output closed).
        _connectionContext.Abort(new ConnectionAbortedException($"The client read nothing while more than {limit} messages waited for it."));
    }

    private ValueTask WriteBytesAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (!_writeLock.Wait(0))
        {
            return WriteSlowAsync(bytes, cancellationToken);
        }

        return WriteLockedAsync(bytes.Span, cancellationToken);
    }

    /// <summary>
    /// Writes and flushes with the write lock held; releases it when the flush completes. Without
    /// <paramref name="flush"/> the bytes wait in the pipe for the next flush (<see cref="FlushDeferredWrites"/>).
    /// </summary>
    private ValueTask WriteLockedAsync(ReadOnlySpan<byte> bytes, CancellationToken cancellationToken, bool flush = true)
    {
        var release = true;
        try
        {
            if (_outputClosed)
            {
                return default;
            }

            _output.Write(bytes);
            Volatile.Write(ref _lastSendTicks, Environment.TickCount64);
            if (!flush)
            {
                _flushDeferred = true;
                return default;
            }

            var flushing = _output.FlushAsync(cancellationToken);
            if (flushing.IsCompletedSuccessfully)
            {
                OnFlushed(flushing.Result);
                return default;
            }

            release = false;
            return AwaitFlushAndReleaseAsync(flushing);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OnWriteFailed(ex);
            return default;
        }
        finally
        {
            if (release)
            {
                _writeLock.Release();
            }
        }
    }

    private async ValueTask WriteSlowAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_outputClosed)
            {
                return;
            }

            _output.Write(bytes.Span);
            Volatile.Write(ref _lastSendTicks, Environment.TickCount64);
            OnFlushed(await _output.FlushAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OnWriteFailed(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A trackable message with stateful reconnect: kept for replay, and waits while the replay buffer is full.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteTrackedAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var replay = _replay!;
        while (true)
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_outputClosed)
                {
                    return;
                }

                if (replay.TryAdd(bytes))
                {
                    _output.Write(bytes.Span);
                    Volatile.Write(ref _lastSendTicks, Environment.TickCount64);
                    OnFlushed(await _output.FlushAsync(cancellationToken).ConfigureAwait(false));
                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                OnWriteFailed(ex);
                return;
            }
            finally
            {
                _writeLock.Release();
            }

            // Backpressure: wait for an Ack outside the lock, so pings, Acks and the reattach keep going.
            await replay.WaitForSpaceAsync(bytes.Length).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Turns stateful reconnect on for this connection (handshake version 2 on a connection that negotiated it).</summary>
    /// <summary>Stateful reconnect is on for this connection (handshake version 2 on a transport that offers it).</summary>
    internal bool StatefulReconnectEnabled => _replay is not null;

    internal void EnableStatefulReconnect(IStatefulReconnectFeature feature)
    {
        _replay = new ReplayBuffer(Options.StatefulReconnectBufferSize);
        _reconnectFeature = feature;
        feature.OnReconnected(OnReconnectedAsync);
    }

    /// <summary>
    /// A new transport took over: from now on writes go to <paramref name="output"/>, starting with Sequence, the replay
    /// of every unacknowledged message in order, and the current Ack (the last one may have been lost with the socket).
    /// </summary>
    private async Task OnReconnectedAsync(PipeWriter output)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _output = output;
            if (_outputClosed || _replay is not { } replay)
            {
                return;
            }

            var first = replay.GetReplay(out var messages);
            Protocol.WriteMessage(new SequenceMessage(first), output);
            foreach (var message in messages)
            {
                output.Write(message.Span);
            }

            replay.ResendAck();
            if (replay.TryGetPendingAck(out var ack))
            {
                Protocol.WriteMessage(new AckMessage(ack), output);
                replay.AckSent(ack);
            }

            HubLog.Replayed(_logger, ConnectionId, first, messages.Length);
            Volatile.Write(ref _lastSendTicks, Environment.TickCount64);
            OnFlushed(await output.FlushAsync().ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OnWriteFailed(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends an Ack for the trackable messages received since the last one, unless a write is in progress.</summary>
    internal void TrySendAck()
    {
        if (_replay is not { } replay || !replay.TryGetPendingAck(out var ack) || !_writeLock.Wait(0))
        {
            return;
        }

        var release = true;
        try
        {
            if (_outputClosed)
            {
                return;
            }

            Protocol.WriteMessage(new AckMessage(ack), _output);
            replay.AckSent(ack);
            release = FlushHoldingLock();
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
        }
        finally
        {
            if (release)
            {
                _writeLock.Release();
            }
        }
    }

    /// <summary>The connection ended: frees the replay buffer and lets waiting senders go.</summary>
    internal void ReleaseReplayBuffer()
    {
        _reconnectFeature?.DisableReconnect();
        _replay?.Clear();
    }

    private async ValueTask AwaitFlushAndReleaseAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            OnFlushed(await flush.ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OnWriteFailed(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Flushes with the write lock held, for writers that do not wait: true when the flush completed (the caller releases
    /// the lock), false when it goes on in the background and releases the lock itself.
    /// </summary>
    private bool FlushHoldingLock()
    {
        var flush = _output.FlushAsync();
        if (flush.IsCompletedSuccessfully)
        {
            OnFlushed(flush.Result);
            return true;
        }

        _ = AwaitFlushAndReleaseAsync(flush).AsTask();
        return false;
    }

    /// <summary>Flushes bytes written without a flush (<see cref="WriteAsync(HubMessage, bool, CancellationToken)"/>), if any.</summary>
    internal void FlushDeferredWrites()
    {
        if (!Volatile.Read(ref _flushDeferred))
        {
            return;
        }

        if (!_writeLock.Wait(0))
        {
            // A writer holds the lock (its flush most likely takes the bytes along): check again once it is done.
            _ = FlushDeferredSlowAsync();
            return;
        }

        var release = true;
        try
        {
            if (!_flushDeferred || _outputClosed)
            {
                return;
            }

            release = FlushHoldingLock();
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
        }
        finally
        {
            if (release)
            {
                _writeLock.Release();
            }
        }
    }

    private async Task FlushDeferredSlowAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_flushDeferred && !_outputClosed)
            {
                OnFlushed(await _output.FlushAsync().ConfigureAwait(false));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OnWriteFailed(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void OnFlushed(FlushResult result)
    {
        _flushDeferred = false;
        Volatile.Write(ref _lastFlushTicks, Environment.TickCount64);
        if (result.IsCompleted)
        {
            // The transport stopped reading: the client is gone.
            _outputClosed = true;
        }
    }

    private void OnWriteFailed(Exception ex)
    {
        _outputClosed = true;
        HubLog.WriteFailed(_logger, ConnectionId, ex);
        RequestClose(HubConnectionCloseReason.TransportFailed);
    }

    /// <summary>Writes the handshake response and, when it is an error, closes the output. Called before any other write.</summary>
    internal async ValueTask WriteHandshakeResponseAsync(HandshakeResponseMessage response)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (response.Error is null)
            {
                _output.Write(HandshakeProtocol.SuccessResponse.Span);
            }
            else
            {
                HandshakeProtocol.WriteResponseMessage(response, _output);
            }

            Volatile.Write(ref _lastSendTicks, Environment.TickCount64);
            OnFlushed(await _output.FlushAsync().ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OnWriteFailed(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes a last message (if any) and completes the output, after which writes are ignored.</summary>
    /// <remarks>Waits a bounded time for a write that is stuck on backpressure; then aborts the transport instead.</remarks>
    internal async Task CompleteOutputAsync(HubMessage? lastMessage, TimeSpan lockTimeout)
    {
        if (!await _writeLock.WaitAsync(lockTimeout).ConfigureAwait(false))
        {
            _connectionContext.Abort();
            return;
        }

        try
        {
            if (_outputClosed)
            {
                return;
            }

            _outputClosed = true;
            // The hub layer ends the connection: a socket that drops now must not wait for a reconnect.
            _reconnectFeature?.DisableReconnect();
            if (lastMessage is not null)
            {
                try
                {
                    _output.Write(Protocol.GetMessageBytes(lastMessage).Span);
                    using var timeout = new CancellationTokenSource(lockTimeout);
                    await _output.FlushAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    HubLog.WriteFailed(_logger, ConnectionId, ex);
                }
            }

            await _output.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

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

    internal void CancelAborted()
    {
        try
        {
            _abortedCts.Cancel();
        }
        catch (AggregateException ex)
        {
            HubLog.AbortCallbackFailed(_logger, ConnectionId, ex);
        }
    }

    internal void StartHandshakeTimer(TimeSpan timeout) =>
        Volatile.Write(ref _handshakeDeadlineTicks, Environment.TickCount64 + Math.Max(1, (long)timeout.TotalMilliseconds));

    internal void HandshakeCompleted()
    {
        // A transport with inherent keep-alive (Long Polling: the polls themselves) gets no pings, and its client timeout
        // is armed only by a first Ping from the client, as on the official server: the official clients send none
        // there, and the connection layer ends a client that stops polling.
        _inherentKeepAlive = Features.Get<IConnectionInherentKeepAliveFeature>()?.HasInherentKeepAlive == true;
        _authenticationExpiresUtcTicks = Features.Get<Internal.Transports.AuthenticationExpirationFeature>()?.ExpiresUtc.UtcTicks ?? 0;
        _pingBytes = Protocol.GetMessageBytes(PingMessage.Instance);
        Volatile.Write(ref _lastReceiveTicks, Environment.TickCount64);
        Volatile.Write(ref _handshakeDeadlineTicks, 0);
    }

    internal void MessageReceived() => Volatile.Write(ref _lastReceiveTicks, Environment.TickCount64);

    /// <summary>The client sent a Ping: on a transport with inherent keep-alive this arms the client timeout.</summary>
    internal void PingReceived()
    {
        if (!_pingReceived)
        {
            Volatile.Write(ref _pingReceived, true);
        }
    }

    /// <summary>The read loop stops or resumes reading on the server's account; the client timeout does not run meanwhile.</summary>
    internal void ReaderPaused(bool paused)
    {
        Volatile.Write(ref _readerPaused, paused);
        MessageReceived();
    }

    /// <summary>Called by the shared heartbeat: handshake deadline, client timeout, keep-alive.</summary>
    internal void OnHeartbeat(long nowTicks)
    {
        if (Volatile.Read(ref _closeReason) != 0)
        {
            return;
        }

        var deadline = Volatile.Read(ref _handshakeDeadlineTicks);
        if (deadline != 0)
        {
            if (nowTicks >= deadline)
            {
                RequestClose(HubConnectionCloseReason.HandshakeTimeout);
            }

            return;
        }

        if (_pingBytes.IsEmpty)
        {
            return;
        }

        if (_authenticationExpiresUtcTicks != 0 && DateTime.UtcNow.Ticks >= _authenticationExpiresUtcTicks)
        {
            RequestClose(HubConnectionCloseReason.AuthenticationExpired);
            return;
        }

        if ((!_inherentKeepAlive || Volatile.Read(ref _pingReceived)) && !Volatile.Read(ref _readerPaused) &&
            nowTicks - Volatile.Read(ref _lastReceiveTicks) > _clientTimeoutMs)
        {
            RequestClose(HubConnectionCloseReason.ClientTimeout);
            return;
        }

        if (!_inherentKeepAlive && nowTicks - Volatile.Read(ref _lastSendTicks) >= _keepAliveMs)
        {
            TrySendPing();
        }

        TrySendAck();
    }

    private void TrySendPing()
    {
        // Never waits: if a write is in progress, the connection is not idle.
        if (!_writeLock.Wait(0))
        {
            return;
        }

        var release = true;
        try
        {
            if (_outputClosed)
            {
                return;
            }

            _output.Write(_pingBytes.Span);
            Volatile.Write(ref _lastSendTicks, Environment.TickCount64);
            release = FlushHoldingLock();
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
        }
        finally
        {
            if (release)
            {
                _writeLock.Release();
            }
        }
    }
}
