using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using SignalRLite.Internal.Connections;
using SignalRLite.Internal.Protocol;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The only path to a hub connection's output pipe: messages, pings, Acks, the handshake response, the stateful
/// reconnect replay and the final Close all go through here, in the order their writers got the pipe.
/// </summary>
/// <remarks>
/// <para>
/// A <see cref="PipeWriter"/> takes one writer at a time, and a flush that waits for the client (backpressure) must
/// finish before the next write; so the pipe has one owner at a time. Getting and giving up ownership is a short
/// critical section under <see cref="_lock"/>; the owner then writes and flushes outside the lock. An uncontended
/// write takes ownership at once and, when its flush completes synchronously (the usual case), gives it up before
/// returning: no allocation. A writer that finds the pipe owned either waits in line (messages) or gives up (pings,
/// Acks: a busy pipe means the connection is not idle, and the next write carries the Ack's news anyway).
/// </para>
/// <para>Invariants (checked by <see cref="AssertInvariants"/>):</para>
/// <list type="number">
/// <item>I1. At most one owner: <see cref="_owned"/> is true from the moment a caller gets the pipe until it calls
/// <see cref="Release"/>, exactly once. Only the owner touches <see cref="_output"/>, <see cref="_outputClosed"/> and
/// <see cref="_flushDeferred"/> (the latter is also read, as a hint, without ownership).</item>
/// <item>I2. A waiter is queued only while the pipe is owned: nobody waits for a free pipe.</item>
/// <item>I3. Ownership passes from the releasing owner straight to the oldest waiter that still waits (FIFO, no barging
/// by a later writer between the two), so writes leave in the order their writers queued.</item>
/// <item>I4. <see cref="_outputClosed"/> only goes from false to true; after it, writes are dropped.</item>
/// </list>
/// <para>Ownership itself (I1 to I3, the only code that takes the lock) is in HubConnectionWriter.Ownership.cs.</para>
/// <para>The stateful-reconnect steps (tracked writes, Acks, the replay) are in HubConnectionWriter.StatefulReconnect.cs.</para>
/// </remarks>
internal sealed partial class HubConnectionWriter
{
    private readonly HubConnectionContext _connection;
    private readonly TimeProvider _time;
    private PipeWriter _output;                           // owner only (I1); replaced on a stateful reconnect
    private bool _outputClosed;                           // owner only (I1, I4)
    private bool _flushDeferred;                          // owner writes; FlushDeferred reads it as a hint
    private ReplayBuffer? _replay;                        // set once, during the handshake, before any message write
    private long _lastSendTimestamp;
    private long _lastFlushTimestamp;

    public HubConnectionWriter(HubConnectionContext connection, PipeWriter output, TimeProvider time)
    {
        _connection = connection;
        // Null only for a context built without a transport (a custom lifetime manager's unit test, say): a write then
        // fails like a broken transport.
        _output = output;
        _time = time;
        _lastSendTimestamp = _lastFlushTimestamp = time.GetTimestamp();
    }

    /// <summary>When bytes were last written (a <see cref="TimeProvider"/> timestamp): the keep-alive measures silence from here.</summary>
    public long LastSendTimestamp => Volatile.Read(ref _lastSendTimestamp);

    /// <summary>Stateful reconnect state, when the client asked for it (HubProtocol.md, "Ack" and "Sequence").</summary>
    public ReplayBuffer? Replay => Volatile.Read(ref _replay);

    /// <summary>Turns on replay tracking; called during the handshake, before any message is written.</summary>
    public void EnableReplay(ReplayBuffer replay) => Volatile.Write(ref _replay, replay);

    /// <summary>The client's output has been full for longer than <paramref name="after"/>, with nothing flushed meanwhile.</summary>
    public bool IsStalled(TimeSpan after) => _time.GetElapsedTime(Volatile.Read(ref _lastFlushTimestamp)) > after;

    /// <summary>Writes one message; without <paramref name="flush"/> (and when the pipe is free) the bytes wait for the next flush.</summary>
    public ValueTask WriteAsync(HubMessage message, bool flush, CancellationToken cancellationToken)
    {
        var protocol = _connection.Protocol;
        _connection.Metrics?.Messages(_connection.MetricsHubName, protocol.Name, inbound: false, 1);
        if (_replay is { } replay && message is HubInvocationMessage)
        {
            // Kept for replay: the replay buffer holds on to the bytes, so they get their own array, never a pooled one.
            return WriteTrackedAsync(protocol.GetMessageBytes(message), replay, cancellationToken);
        }

        // Serialised before taking the pipe, so that a serialisation failure never leaves half a message in it.
        var buffer = PooledBufferWriter.Rent();
        try
        {
            protocol.WriteMessage(message, buffer);
            if (TryAcquire())
            {
                return Finish(WriteOwned(buffer.WrittenSpan), flush, cancellationToken);
            }

            // The pooled buffer goes back on return, so a writer that has to wait keeps a copy.
            return WriteQueuedAsync(buffer.WrittenSpan.ToArray(), cancellationToken);
        }
        finally
        {
            // Safe: the pipe copied the bytes on Write, and the queued path copied them first.
            PooledBufferWriter.Return(buffer);
        }
    }

    /// <summary>
    /// Writes one message whose bytes may already be serialised for this connection's protocol. A write of a send to
    /// many connections (<paramref name="fanOut"/>) leaves the socket send to the thread pool when the transport sends on
    /// the flushing thread (<see cref="IThreadPoolFlushFeature"/>): the sender's thread only copies the bytes.
    /// </summary>
    public ValueTask WriteAsync(SerializedHubMessage message, bool fanOut, CancellationToken cancellationToken)
    {
        _connection.Metrics?.Messages(_connection.MetricsHubName, _connection.Protocol.Name, inbound: false, 1);
        var bytes = message.GetSerializedMessage(_connection.Protocol);
        if (_replay is { } replay && message.Message is null or HubInvocationMessage)
        {
            return WriteTrackedAsync(bytes, replay, cancellationToken);
        }

        // The cached serialisation outlives the write: a waiting writer needs no copy, and a fan-out write none at all.
        return TryAcquire() ? WriteSerializedOwned(bytes, fanOut, cancellationToken) : WriteQueuedAsync(bytes, cancellationToken, fanOut);
    }

    private async ValueTask WriteQueuedAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken, bool fanOut = false)
    {
        await AcquireAsync(cancellationToken).ConfigureAwait(false);
        await WriteSerializedOwned(bytes, fanOut, cancellationToken).ConfigureAwait(false);
    }

    // The owner's turn for bytes that outlive the write: shared with the thread pool's send (fan-out), else copied in.
    private ValueTask WriteSerializedOwned(ReadOnlyMemory<byte> bytes, bool fanOut, CancellationToken cancellationToken) =>
        fanOut ? SendShared(bytes, cancellationToken) : Finish(WriteOwned(bytes.Span), flush: true, cancellationToken);

    /// <summary>Sends a Ping unless the pipe is busy (then the connection is not idle). Never waits.</summary>
    /// <remarks>
    /// The heartbeat pings every idle connection in one tick: like a send to many connections, the socket sends run on
    /// the thread pool rather than one after another on the timer's thread.
    /// </remarks>
    public void TrySendPing(byte[] ping)
    {
        if (TryAcquire())
        {
            // The Ping's bytes are cached per protocol and never change: sent without a copy.
            Forget(SendShared(ping, default));
        }
    }

    /// <summary>Flushes bytes written without a flush, if any; when the pipe is busy, flushes after its owner.</summary>
    public void FlushDeferred()
    {
        if (!Volatile.Read(ref _flushDeferred))
        {
            return;
        }

        if (TryAcquire())
        {
            Forget(_flushDeferred && !_outputClosed ? FlushAndRelease(default) : ReleaseNow());
            return;
        }

        // Most likely the owner's flush takes the bytes along; if it was a deferred write itself, this flushes them.
        _ = FlushDeferredQueuedAsync();
    }

    private async Task FlushDeferredQueuedAsync()
    {
        await AcquireAsync(default).ConfigureAwait(false);
        await (_flushDeferred && !_outputClosed ? FlushAndRelease(default) : ReleaseNow()).ConfigureAwait(false);
    }

    /// <summary>Writes the handshake response; called before any other write.</summary>
    public async ValueTask WriteHandshakeResponseAsync(HandshakeResponseMessage response)
    {
        await AcquireAsync(default).ConfigureAwait(false);
        var wrote = WriteOwned(static (w, response) =>
        {
            if (response.Error is null)
            {
                w._output.Write(HandshakeProtocol.SuccessResponse.Span);
            }
            else
            {
                HandshakeProtocol.WriteResponseMessage(response, w._output);
            }
        }, response);
        await Finish(wrote, flush: true, default).ConfigureAwait(false);
    }

    /// <summary>Writes a last message (if any) and completes the output, after which writes are dropped (I4).</summary>
    /// <remarks>Waits a bounded time for a write stuck on backpressure; then aborts the transport instead.</remarks>
    public async Task CompleteAsync(HubMessage? lastMessage, TimeSpan timeout)
    {
        if (!TryAcquire())
        {
            // A writer is stuck (most likely on backpressure): the timer exists only in this rare case.
            using var wait = new CancellationTokenSource(timeout, _time);
            try
            {
                await AcquireAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _connection.ConnectionContext.Abort();
                return;
            }
        }

        try
        {
            if (_outputClosed)
            {
                return;
            }

            _outputClosed = true;
            // The hub layer ends the connection: a socket that drops now must not wait for a reconnect.
            _connection.DisableReconnect();
            if (lastMessage is not null)
            {
                try
                {
                    _output.Write(_connection.Protocol.GetMessageBytes(lastMessage).Span);
                    using var flushTimeout = new CancellationTokenSource(timeout, _time);
                    await _output.FlushAsync(flushTimeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    HubLog.WriteFailed(_connection.Logger, _connection.ConnectionId, ex);
                }
            }

            await _output.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }

    // ---- Owner-side steps. Each caller owns the pipe (I1) and ends with Finish/FlushAndRelease/Release exactly once. ----

    /// <summary>Writes <paramref name="bytes"/> unless the output is closed; false when nothing was written.</summary>
    private bool WriteOwned(ReadOnlySpan<byte> bytes)
    {
        AssertOwned();
        if (_outputClosed)
        {
            return false;
        }

        try
        {
            _output.Write(bytes);
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
            return false;
        }

        Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
        return true;
    }

    /// <summary>Runs <paramref name="write"/> against the pipe unless the output is closed; false when it did not complete.</summary>
    private bool WriteOwned<TState>(Action<HubConnectionWriter, TState> write, TState state)
    {
        AssertOwned();
        if (_outputClosed)
        {
            return false;
        }

        try
        {
            write(this, state);
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
            return false;
        }

        Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
        return true;
    }

    /// <summary>
    /// The owner sends <paramref name="bytes"/>, which stay valid and unchanged (a message serialised once for many
    /// connections, the cached Ping), from the thread pool: through <see cref="IThreadPoolFlushFeature.SendFromThreadPoolAsync"/>
    /// without a copy, else written and flushed (a pipe's send loop already runs on the thread pool). Gives up the pipe
    /// like <see cref="Finish"/>.
    /// </summary>
    private ValueTask SendShared(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        AssertOwned();
        if (_output is not IThreadPoolFlushFeature pool)
        {
            return Finish(WriteOwned(bytes.Span), flush: true, cancellationToken);
        }

        if (_outputClosed)
        {
            return ReleaseNow();
        }

        ValueTask<FlushResult> flush;
        try
        {
            // Also commits what deferred writes left unflushed, ahead of these bytes.
            flush = pool.SendFromThreadPoolAsync(bytes, cancellationToken);
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
            return ReleaseNow();
        }

        Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
        if (flush.IsCompletedSuccessfully)
        {
            OnFlushed(flush.Result);
            return ReleaseNow();
        }

        return AwaitFlushAndReleaseAsync(flush);
    }

    /// <summary>Ends an owner's turn: flushes what it wrote (unless it defers the flush) and gives up the pipe.</summary>
    private ValueTask Finish(bool wrote, bool flush, CancellationToken cancellationToken)
    {
        if (!wrote)
        {
            return ReleaseNow();
        }

        if (!flush)
        {
            // The caller guarantees a later flush (FlushDeferred, or the next flushing write takes these bytes along).
            _flushDeferred = true;
            return ReleaseNow();
        }

        return FlushAndRelease(cancellationToken);
    }

    /// <summary>Flushes and gives up the pipe, now when the flush completes synchronously, else when it completes.</summary>
    private ValueTask FlushAndRelease(CancellationToken cancellationToken)
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = _output.FlushAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
            return ReleaseNow();
        }

        if (flush.IsCompletedSuccessfully)
        {
            OnFlushed(flush.Result);
            return ReleaseNow();
        }

        return AwaitFlushAndReleaseAsync(flush);
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
            Release();
        }
    }

    private ValueTask ReleaseNow()
    {
        Release();
        return default;
    }

    private void OnFlushed(FlushResult result)
    {
        _flushDeferred = false;
        Volatile.Write(ref _lastFlushTimestamp, _time.GetTimestamp());
        if (result.IsCompleted)
        {
            // The transport stopped reading: the client is gone.
            _outputClosed = true;
        }
    }

    private void OnWriteFailed(Exception ex)
    {
        _outputClosed = true;
        HubLog.WriteFailed(_connection.Logger, _connection.ConnectionId, ex);
        _connection.RequestClose(HubConnectionCloseReason.TransportFailed);
    }

    /// <summary>Observes a write nobody awaits (a ping, an Ack, a deferred flush): its failures are handled inside.</summary>
    private static void Forget(ValueTask write)
    {
        if (!write.IsCompleted)
        {
            _ = write.AsTask();
        }
    }
}
