using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using SignalRLite.Internal.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The application's output on a WebSocket connection without stateful reconnect: a <see cref="PipeWriter"/> over the
/// socket, in place of the output pipe and the send loop that read it. An idle connection holds this object and nothing
/// else: no pipe, no buffer, no parked send loop.
/// </summary>
/// <remarks>
/// <para>Two ways to flush, both in the order the flushes were made:</para>
/// <list type="bullet">
/// <item><see cref="FlushAsync"/> sends on the flushing thread when nothing else is being sent: a hub method's
/// Completion reaches the socket without a hand-off to the thread pool (the hub's read loop flushes once per batch of
/// received messages, so a pipelining client still gets its Completions batched).</item>
/// <item><see cref="SendFromThreadPoolAsync"/> commits shared bytes (without a copy) to a batch that a thread-pool work item sends
/// (<see cref="IThreadPoolFlushFeature"/>): a send to 1,000 connections runs their socket sends in parallel, and what is
/// written to a connection while its work item waits goes out in the same message.</item>
/// </list>
/// <para>Every flush whose send side is busy (a send in flight, or a work item queued) commits to the batch, which the
/// current sender sends next; so there is one sender at a time (the WebSocket takes one send at a time, and the close
/// frame is a send too) and bytes leave in flush order. A flush completes at once unless more than
/// <c>ApplicationMaxBufferSize</c> bytes are committed and not yet sent (the socket is slow: backpressure, as with the
/// pipe's pause threshold); it then waits until they are down to half of it.</para>
/// <para>Writing (<see cref="GetMemory"/>, <see cref="GetSpan"/>, <see cref="Advance"/>) follows the
/// <see cref="PipeWriter"/> contract, one writer at a time (the hub layer's HubConnectionWriter hands the output to one
/// owner at a time): <see cref="_buffer"/> and <see cref="_written"/> are that writer's. A flush takes the buffer away
/// under the lock (it becomes the send's, or moves into the batch), so no send ever shares its bytes with later writes.</para>
/// <para>Concurrency: one lock, <see cref="_lock"/>, over everything else. Three kinds of caller meet here: the
/// application's writer (flush, complete), the sender (the flushing thread, the work item, or a send's completion), and
/// whoever ends the output (the transport: a graceful close, an abort, the client's side lost; <see cref="RequestEnd"/>).
/// The end (the close frame, then the transport's end of the request; WebSocketOutput.Sender.cs) is started exactly once,
/// by whoever sets <see cref="_endStarted"/> under the lock, which is never while someone holds the send side.</para>
/// <para>Invariants (under the lock; <see cref="AssertInvariants"/>):</para>
/// <list type="number">
/// <item>One sender: <see cref="_sending"/> is set by whoever takes the send side (an inline flush, or the flush that
/// queues the work item) and cleared only by that sender, when it finds no batch left to send.</item>
/// <item>A committed batch always has a sender coming: <c>!_batch.IsEmpty ⇒ _sending</c>; <see cref="_batchOwned"/> is
/// set only with a batch, which it holds (a batch without it is shared bytes, see <see cref="SendFromThreadPoolAsync"/>).</item>
/// <item>Bytes are in flight only while someone sends: <c>_inFlight &gt; 0 ⇒ _sending</c>.</item>
/// <item><see cref="_stopped"/> never goes back to false; once set no flush commits or sends, and only a batch the
/// application committed before completing (<see cref="_sendBeforeEnd"/>) is still sent.</item>
/// <item>The end starts at most once, after it was requested, with nobody holding the send side.</item>
/// </list>
/// </remarks>
internal sealed partial class WebSocketOutput : PipeWriter, IThreadPoolFlushFeature, IThreadPoolWorkItem
{
    private const int MinimumBufferSize = 4096;

    // Every array of every WebSocket output comes from here, not from ArrayPool<byte>.Shared: a broadcast to thousands
    // of connections leaves one batch array per connection out until its work item ran, which drains the shared
    // pool's per-core stacks (a 4 KB array allocated and dropped per delivery, measured). This pool keeps up to 1,024
    // arrays per size; arrays over 64 KB (rare: one message that large) are allocated and dropped. It keeps only what
    // was out at once at some point, at most 1,024 x (64 KB + 32 KB + ...) in the worst case.
    private static readonly ArrayPool<byte> s_pool = ArrayPool<byte>.Create(maxArrayLength: 64 * 1024, maxArraysPerBucket: 1024);

    private readonly Lock _lock = new();
    private readonly WebSocketsTransport _transport; // its socket, connection and options: not copied here (idle memory)

    // The current writer's (see the remarks); no lock.
    private byte[]? _buffer;
    private int _written;

    // Guarded by _lock.
    private ReadOnlyMemory<byte> _batch; // committed, not yet handed to a send
    private byte[]? _batchOwned; // the pooled array _batch is in, or null while _batch is someone else's bytes
    private int _inFlight;
    private bool _sending;
    private TaskCompletionSource? _drained; // created only when a flush has to wait (backpressure)
    private CancellationTokenSource? _flushWait; // the waiting flush's, so that CancelPendingFlush can wake it
    private bool _cancelNextFlush;
    private bool _stopped;
    private bool _endRequested;
    private bool _sendBeforeEnd;
    private bool _endStarted;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;

    public WebSocketOutput(WebSocketsTransport transport) => _transport = transport;

    // ApplicationMaxBufferSize: more committed and unsent bytes than this make a flush wait (0: never).
    private long PauseThreshold => _transport.Options.ApplicationMaxBufferSize;

    // A waiting flush goes on once the committed and unsent bytes are down to this.
    private long ResumeThreshold => PauseThreshold == 0 ? 0 : Math.Max(1, PauseThreshold / 2);

    /// <summary>Test hook: whether the output holds a buffer (an idle connection holds none).</summary>
    internal bool HoldsBuffer
    {
        get
        {
            lock (_lock)
            {
                return _buffer is not null || _batchOwned is not null;
            }
        }
    }

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    public override void Advance(int bytes)
    {
        if ((uint)bytes > (uint)((_buffer?.Length ?? 0) - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the end of the memory that was handed out.");
        }

        _written += bytes;
    }

    private byte[] Reserve(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var needed = _written + Math.Max(sizeHint, 1);
        var buffer = _buffer;
        if (buffer is null)
        {
            return _buffer = s_pool.Rent(Math.Max(needed, MinimumBufferSize));
        }

        if (needed > buffer.Length)
        {
            // One flush is one WebSocket message, so it grows in one array.
            var larger = s_pool.Rent(Math.Max(needed, buffer.Length * 2));
            buffer.AsSpan(0, _written).CopyTo(larger);
            s_pool.Return(buffer);
            _buffer = buffer = larger;
        }

        return buffer;
    }

    /// <summary>
    /// Commits <paramref name="bytes"/> (after whatever was written and not flushed) for a thread-pool work item to send,
    /// without copying them when nothing else waits to be sent: they must stay valid and unchanged until sent (a message
    /// serialised once for many connections, a cached Ping).
    /// </summary>
    public ValueTask<FlushResult> SendFromThreadPoolAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        bool queue;
        lock (_lock)
        {
            if (_stopped)
            {
                ReturnWrittenLocked();
                return new(new FlushResult(isCanceled: false, isCompleted: true));
            }

            if (_written > 0)
            {
                CommitLocked();
            }

            if (_batch.IsEmpty)
            {
                _batch = bytes; // shared, not copied (I2: _batchOwned stays null)
            }
            else
            {
                AppendLocked(bytes.Span);
            }

            queue = !_sending;
            _sending = true;
            AssertInvariants();
        }

        return AfterCommit(queue, cancellationToken);
    }

    /// <summary>
    /// Sends what was written as one message, on this thread when nothing else is being sent; else commits it behind
    /// what is being sent (see the remarks).
    /// </summary>
    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        byte[]? send = null;
        var count = 0;
        bool canceled;
        lock (_lock)
        {
            if (_stopped)
            {
                // The output ended: what was written is dropped, as a completed pipe reader would leave it.
                ReturnWrittenLocked();
                return new(new FlushResult(isCanceled: false, isCompleted: true));
            }

            canceled = _cancelNextFlush;
            _cancelNextFlush = false;
            if (_written > 0)
            {
                if (!_sending)
                {
                    // I2: nothing is committed without a sender, so these bytes are next in order.
                    _sending = true;
                    send = _buffer;
                    count = _inFlight = _written;
                    _buffer = null;
                    _written = 0;
                }
                else
                {
                    // Behind what is being sent: the current sender takes it along (I2).
                    CommitLocked();
                }
            }

            AssertInvariants();
        }

        // Completes synchronously unless the socket is slow; then its completion goes on sending (SendBatchesAsync).
        if (send is not null && SendBatchesAsync(StartSend(send.AsMemory(0, count)), send, count).IsCompleted)
        {
            // Sent, and the send side given back: nothing is in flight or committed (only this writer commits), so no
            // backpressure to check. _stopped only goes from false to true; a stale false reports the end one flush later.
            return new(new FlushResult(canceled, Volatile.Read(ref _stopped)));
        }

        return AfterCommit(queue: false, cancellationToken, canceled);
    }

    // After a flush committed or sent: queues the sender if the flush took the send side, then waits only if more than
    // ApplicationMaxBufferSize is committed and not yet sent.
    private ValueTask<FlushResult> AfterCommit(bool queue, CancellationToken cancellationToken, bool canceled = false)
    {
        if (queue)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        TaskCompletionSource? wait = null;
        bool stopped;
        lock (_lock)
        {
            stopped = _stopped;
            if (!stopped && PauseThreshold > 0 && _inFlight + _batch.Length > PauseThreshold)
            {
                wait = _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        return wait is null
            ? new(new FlushResult(canceled, stopped))
            : WaitForDrainAsync(wait.Task, canceled, cancellationToken);
    }

    // Backpressure: waits until the committed bytes are down to the resume threshold (or the output ended), unless the
    // token or CancelPendingFlush gives up first; the bytes stay committed and are sent anyway.
    private async ValueTask<FlushResult> WaitForDrainAsync(Task drained, bool canceled, CancellationToken cancellationToken)
    {
        var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (_lock)
        {
            _flushWait = wait;
        }

        try
        {
            await drained.WaitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            canceled = true; // CancelPendingFlush
        }
        finally
        {
            lock (_lock)
            {
                if (_flushWait == wait)
                {
                    _flushWait = null;
                }
            }

            wait.Dispose();
        }

        lock (_lock)
        {
            return new FlushResult(canceled, _stopped);
        }
    }

    public override void CancelPendingFlush()
    {
        CancellationTokenSource? wait;
        lock (_lock)
        {
            wait = _flushWait;
            _cancelNextFlush = wait is null;
        }

        wait?.Cancel();
    }

    /// <summary>
    /// The application is done writing: what it wrote and did not flush is committed and sent, then the close frame
    /// (with an error: nothing more is sent, and the close status is 1011). Idempotent.
    /// </summary>
    public override void Complete(Exception? exception = null)
    {
        if (exception is not null && !_transport.IsAborted)
        {
            TransportLog.SendFailed(_transport.Logger, _transport.Connection.ConnectionId, exception);
        }

        bool queue, start;
        TaskCompletionSource? drained;
        lock (_lock)
        {
            if (exception is null && !_stopped && _written > 0)
            {
                CommitLocked();
            }
            else
            {
                ReturnWrittenLocked();
            }

            if (!_endRequested)
            {
                _endRequested = true;
                _closeStatus = exception is null ? WebSocketCloseStatus.NormalClosure : WebSocketCloseStatus.InternalServerError;
                _sendBeforeEnd = exception is null && !_stopped;
            }

            _stopped = true;
            (queue, start, drained) = AfterStopLocked();
        }

        Continue(queue, start, drained);
    }

    /// <summary>
    /// The transport ends the output (a graceful close, an abort, the client's side lost): nothing more is sent, and once
    /// the send in flight (if any) completed, the end runs. The first end requested gives the close status.
    /// </summary>
    public void RequestEnd(WebSocketCloseStatus status)
    {
        bool queue, start;
        TaskCompletionSource? drained;
        lock (_lock)
        {
            if (!_endRequested)
            {
                _endRequested = true;
                _closeStatus = status;
            }

            _sendBeforeEnd = false;
            _stopped = true;
            (queue, start, drained) = AfterStopLocked();
        }

        Continue(queue, start, drained);
    }

    /// <summary>The connection's close sequence stopped the output: later flushes report it completed.</summary>
    public void CompleteFromTransport()
    {
        TaskCompletionSource? drained;
        lock (_lock)
        {
            _stopped = true;
            drained = TakeDrainedLocked(force: true);
            AssertInvariants();
        }

        drained?.TrySetResult();
    }

    // After _stopped was set: with nobody sending, either a work item sends what the application committed before it
    // completed, or the end starts now (I5); waiting flushes are let go.
    private (bool Queue, bool Start, TaskCompletionSource? Drained) AfterStopLocked()
    {
        var queue = false;
        var start = false;
        if (!_sending)
        {
            if (!_batch.IsEmpty && _sendBeforeEnd)
            {
                _sending = queue = true;
            }
            else if (!_endStarted)
            {
                _endStarted = start = true;
            }
        }

        AssertInvariants();
        return (queue, start, TakeDrainedLocked(force: true));
    }

    // Outside the lock: letting waiting flushes go and starting the sender or the end run continuations.
    private void Continue(bool queue, bool start, TaskCompletionSource? drained)
    {
        drained?.TrySetResult();
        if (queue)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else if (start)
        {
            StartEnd();
        }
    }

    // The writer's bytes join the batch: the writer's array becomes the batch when there is none (no copy).
    private void CommitLocked()
    {
        if (_batch.IsEmpty)
        {
            (_batchOwned, _batch) = (_buffer, _buffer.AsMemory(0, _written));
            _buffer = null;
        }
        else
        {
            AppendLocked(_buffer.AsSpan(0, _written));
            // Given back at once: a connection that goes idle now keeps no buffer.
            s_pool.Return(_buffer!);
            _buffer = null;
        }

        _written = 0;
    }

    // Copies `bytes` behind the batch, into an array of our own (the batch may have been someone else's bytes).
    private void AppendLocked(ReadOnlySpan<byte> bytes)
    {
        var count = _batch.Length;
        var needed = count + bytes.Length;
        var owned = _batchOwned;
        if (owned is null || needed > owned.Length)
        {
            // Sized to what is needed (a few small messages behind a shared one), not to a 4 KB block.
            var larger = s_pool.Rent(Math.Max(needed, (owned?.Length ?? 0) * 2));
            _batch.Span.CopyTo(larger);
            if (owned is not null)
            {
                s_pool.Return(owned);
            }

            _batchOwned = owned = larger;
        }

        bytes.CopyTo(owned.AsSpan(count));
        _batch = owned.AsMemory(0, needed);
    }

    private void ReturnWrittenLocked()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            s_pool.Return(buffer);
        }

        _written = 0;
    }

    // The flushes waiting for backpressure go on once the committed bytes are down to the resume threshold, or at once
    // when `force` (the output ended).
    private TaskCompletionSource? TakeDrainedLocked(bool force)
    {
        var drained = _drained;
        if (drained is not null && (force || _stopped || _inFlight + _batch.Length <= ResumeThreshold))
        {
            _drained = null;
            return drained;
        }

        return null;
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "The invariants hold under the lock.");
        Debug.Assert(_batch.IsEmpty || _sending, "2: a committed batch has a sender coming.");
        Debug.Assert(_batchOwned is null || !_batch.IsEmpty, "2: an owned array holds a batch.");
        Debug.Assert(_inFlight == 0 || _sending, "3: bytes in flight have a sender.");
        Debug.Assert(!_endRequested || _stopped, "4: an end request stops the output.");
        Debug.Assert(!_endStarted || (_endRequested && !_sending), "5: the end starts after its request, with nobody sending.");
    }
}
