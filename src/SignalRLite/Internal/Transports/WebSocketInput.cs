using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The application's input on a WebSocket connection without stateful reconnect: a <see cref="PipeReader"/> that
/// receives from the socket itself, instead of a receive loop copying frames into a <see cref="Pipe"/> for the hub's read
/// loop. It keeps what the pipe gave (the socket is read ahead up to <c>TransportMaxBufferSize</c> while the application
/// is busy, so a client's close or a lost socket is seen at once; a pending read resumes inline on the receive's
/// completion) without the pipe object, its segment pool, and the receive loop's parked state machine on every idle
/// connection.
/// </summary>
/// <remarks>
/// <para>
/// Receiving is driven by callbacks, not by a loop method: at most one socket receive is in flight, and whoever set
/// <see cref="_receiving"/> (under the lock) owns the receive "driver" until it clears it. A receive is a zero-byte
/// receive (an idle connection holds no buffer) followed by a receive into the tail segment. The driver keeps going
/// while a read is pending or fewer than <see cref="_pauseThreshold"/> unconsumed bytes are buffered, and stops
/// otherwise; <see cref="ReadAsync"/> and <see cref="AdvanceTo(SequencePosition, SequencePosition)"/> start it again.
/// </para>
/// <para>Concurrency: one lock, <see cref="_lock"/>, over every mutable field. Three kinds of caller meet here: the
/// application's read loop (ReadAsync, AdvanceTo, Complete), the receive driver (a socket completion), and anyone
/// cancelling or ending the input (CancelPendingRead, <see cref="CompleteFromTransport"/>). A pending read is
/// completed by exactly one of them: the one that clears <see cref="_readPending"/> under the lock. The completion
/// (<see cref="_read"/>.SetResult) runs outside the lock, because it runs the application's read loop inline.</para>
/// <para>Invariants (under the lock; <see cref="AssertInvariants"/>):</para>
/// <list type="number">
/// <item><see cref="_head"/> and <see cref="_tail"/> are both null or both set; a null head means nothing is buffered.</item>
/// <item>Once the application completed the reader, no read is pending and nothing is kept for it (received bytes
/// are discarded).</item>
/// <item>Once the socket's side ended, no receive is started again (<see cref="_receiving"/> may still be true for the
/// one in flight when the end came from <see cref="CompleteFromTransport"/>).</item>
/// <item>A pending read exists only while the driver runs or the input ended (it is then completed at once).</item>
/// </list>
/// </remarks>
internal sealed partial class WebSocketInput : PipeReader, IValueTaskSource<ReadResult>
{
    private const int SegmentSize = 4096;

    private readonly Lock _lock = new();
    private readonly WebSocket _socket;
    private readonly HttpConnectionContext _connection;
    private readonly WebSocketsTransport _transport;
    private readonly long _pauseThreshold; // 0: never pause
    private readonly long _resumeThreshold;
    private readonly Action _onReceiveCompleted;

    // Guarded by _lock.
    private ManualResetValueTaskSourceCore<ReadResult> _read; // Reset under the lock; completed outside it by the one who cleared _readPending
    private Segment? _head;
    private int _headStart;
    private Segment? _tail;
    private SequencePosition _lastEnd; // the end of the last buffer handed out, to tell whether AdvanceTo examined all of it
    private bool _examinedAll = true;
    private bool _readPending;
    private bool _cancelPending;
    private bool _receiving;
    private bool _zeroByteDone; // the in-flight receive is the data receive that follows a zero-byte one
    private bool _ended;
    private Exception? _error;
    private bool _readerCompleted;
    private TaskCompletionSource? _endedSignal; // created only when the transport waits for the end (at close)

    // One emptied segment object per thread, for the next receive on that thread: an echo allocates none, and an idle
    // connection keeps none (it held one of its own before). Safe to share: a segment is emptied (its array back in
    // the pool) only once its reader consumed all of it, and a reader must not touch a buffer it advanced past.
    [ThreadStatic]
    private static Segment? t_spare;

    // Touched only by the receive driver.
    private ValueTask<ValueWebSocketReceiveResult> _inFlight;

    public WebSocketInput(WebSocket socket, HttpConnectionContext connection, WebSocketsTransport transport, long maxBufferSize)
    {
        _socket = socket;
        _connection = connection;
        _transport = transport;
        _pauseThreshold = maxBufferSize;
        _resumeThreshold = maxBufferSize == 0 ? 0 : Math.Max(1, maxBufferSize / 2);
        _onReceiveCompleted = OnReceiveCompleted;
        _read.RunContinuationsAsynchronously = false; // the read loop runs inline on the receive, as with the inline input pipe
    }

    /// <summary>The error that ended the client's side, if any.</summary>
    public Exception? Error
    {
        get
        {
            lock (_lock)
            {
                return _error;
            }
        }
    }

    /// <summary>Completes when the socket's side ended; the transport waits on it for the client's close frame.</summary>
    public Task WhenEndedAsync()
    {
        lock (_lock)
        {
            if (_ended)
            {
                return Task.CompletedTask;
            }

            return (_endedSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.CanBeCanceled)
        {
            return ReadWithTokenAsync(cancellationToken);
        }

        bool start;
        lock (_lock)
        {
            if (_readerCompleted)
            {
                throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
            }

            if (_readPending)
            {
                throw new InvalidOperationException("Concurrent reads are not supported.");
            }

            if (TryGetResultLocked(out var ready, out var failure))
            {
                return failure is null ? new ValueTask<ReadResult>(ready) : ValueTask.FromException<ReadResult>(failure);
            }

            _readPending = true;
            _read.Reset();
            start = !_receiving;
            _receiving = true;
            AssertInvariants();
        }

        if (start)
        {
            Drive(default, null, completed: false);
        }

        return new ValueTask<ReadResult>(this, _read.Version);
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_lock)
        {
            if (_readerCompleted)
            {
                throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
            }

            if (TryGetResultLocked(out result, out var failure))
            {
                if (failure is not null)
                {
                    throw failure;
                }

                return true;
            }

            return false;
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        bool start;
        lock (_lock)
        {
            if (_head is not null && consumed.GetObject() is Segment segment)
            {
                while (_head != segment && _head is not null)
                {
                    var next = (Segment?)_head.Next;
                    ReturnSegment(_head);
                    _head = next;
                }

                _headStart = consumed.GetInteger();
                if (_head is null)
                {
                    _tail = null;
                }
            }

            // Examined all: up to the end of the buffer handed out, and nothing arrived since (the driver may have
            // appended while the application worked).
            _examinedAll = examined.GetObject() == _lastEnd.GetObject() && examined.GetInteger() == _lastEnd.GetInteger()
                && (_tail is null ? _lastEnd.GetObject() is null : _lastEnd.GetObject() == _tail && _lastEnd.GetInteger() == _tail.End);
            ReleaseIfEmptyLocked();
            start = !_receiving && !_ended && _resumeThreshold > 0 && BufferedLocked() < _resumeThreshold;
            _receiving |= start;
            AssertInvariants();
        }

        if (start)
        {
            Drive(default, null, completed: false);
        }
    }

    public override void CancelPendingRead()
    {
        lock (_lock)
        {
            if (!_readPending)
            {
                _cancelPending = true;
                return;
            }

            _readPending = false;
        }

        _read.SetResult(new ReadResult(BufferUnderLock(), isCanceled: true, isCompleted: false));
    }

    public override void Complete(Exception? exception = null)
    {
        lock (_lock)
        {
            if (_readerCompleted)
            {
                return;
            }

            _readerCompleted = true;
            _cancelPending = false;
            DiscardLocked();
            AssertInvariants();
        }

        // The socket is still read (and what arrives discarded) by the driver until the client's close frame, which
        // the transport waits for; if no receive is in flight, the transport's close starts one (Start is idempotent).
        Start();
    }

    /// <summary>The connection ends the application's input (its close sequence, or an error): a pending read completes.</summary>
    public void CompleteFromTransport(Exception? error)
    {
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            _error = error;
        }

        CompleteEnd();
    }

    private async ValueTask<ReadResult> ReadWithTokenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var registration = cancellationToken.UnsafeRegister(static s => ((WebSocketInput)s!).CancelPendingRead(), this);
        var result = await ReadAsync(CancellationToken.None).ConfigureAwait(false);
        if (result.IsCanceled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        return result;
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "The invariants hold under the lock.");
        Debug.Assert((_head is null) == (_tail is null), "1: head and tail together.");
        Debug.Assert(!_readerCompleted || !_readPending, "2: no read after completion.");
        Debug.Assert(!_readPending || _receiving || _ended, "4: a pending read has a driver or an end.");
    }
}
