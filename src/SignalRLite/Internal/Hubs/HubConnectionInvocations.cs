using System.Collections.Concurrent;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Per-connection dispatch state: client invocations in flight (for CancelInvocation), upload streams (for StreamItem
/// and Completion), and the queue that limits concurrent invocations to <c>MaximumParallelInvocationsPerClient</c>.
/// </summary>
/// <remarks>
/// The read loop only enqueues; invocations start on the thread pool in arrival order as slots free up, so the loop
/// keeps reading Ping, Completion, CancelInvocation and StreamItem while invocations wait or run. At most
/// <see cref="MaxQueuedInvocations"/> invocations wait for a slot: once the queue is full, <see cref="Enqueue"/> hands
/// the reader a task that completes when an invocation leaves the queue, and the reader stops pulling from the
/// transport until then (backpressure through the transport's input buffer instead of an unbounded queue).
/// </remarks>
internal sealed class HubConnectionInvocations
{
    /// <summary>Invocations that may wait for a slot, beyond the running ones, before the reader pauses.</summary>
    public const int MaxQueuedInvocations = 32;

    private readonly Lock _lock = new();
    private readonly Queue<QueuedInvocation> _waiting = new();
    private readonly int _maxParallel;
    private QueuedInvocation? _spare;
    private int _running;
    private bool _closed;
    private TaskCompletionSource? _spaceAvailable;

    public HubConnectionInvocations(int maxParallel)
    {
        _maxParallel = Math.Max(1, maxParallel);
    }

    // Created on first use: an idle connection holds neither (each is about half a kilobyte).
    private ConcurrentDictionary<string, CancellationTokenSource>? _active;
    private ConcurrentDictionary<string, IUploadStream>? _streams;

    /// <summary>Client invocation id → its cancellation source (only invocations that can observe cancellation).</summary>
    public ConcurrentDictionary<string, CancellationTokenSource> Active => _active ?? Create(ref _active);

    /// <summary>Upload stream id → stream.</summary>
    public ConcurrentDictionary<string, IUploadStream> Streams => _streams ?? Create(ref _streams);

    /// <summary>Whether any upload stream was ever registered (reading <see cref="Streams"/> would create the map).</summary>
    public bool HasStreams => _streams is not null;

    /// <summary>Invocations waiting for a slot.</summary>
    public int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="invocation"/> when a slot is free. The invocation releases its slot early by calling
    /// <see cref="QueuedInvocation.Release"/>. Returns null, or (queue full) a task the reader must await before it
    /// reads more; called by the read loop only.
    /// </summary>
    public Task? Enqueue(QueuedInvocation invocation)
    {
        invocation.Capture();
        lock (_lock)
        {
            if (_closed)
            {
                return null;
            }

            if (_running >= _maxParallel)
            {
                _waiting.Enqueue(invocation);
                if (_waiting.Count < MaxQueuedInvocations)
                {
                    return null;
                }

                _spaceAvailable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _spaceAvailable.Task;
            }

            _running++;
        }

        invocation.Start(this, holdsSlot: true);
        return null;
    }

    /// <summary>
    /// Runs <paramref name="invocation"/> now, outside the parallel-invocation limit. Used for invocations with upload
    /// streams, as the official server does (observed): otherwise a queued upload whose buffer is full would stop the
    /// reader while the running invocation waits for items behind it.
    /// </summary>
    public void StartOutsideLimit(QueuedInvocation invocation)
    {
        invocation.Capture();
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
        }

        invocation.Start(this, holdsSlot: false);
    }

    /// <summary>Drops invocations that have not started; called when the connection ends.</summary>
    public void Close()
    {
        TaskCompletionSource? space;
        lock (_lock)
        {
            _closed = true;
            _waiting.Clear();
            space = _spaceAvailable;
            _spaceAvailable = null;
        }

        space?.TrySetResult();
    }

    /// <summary>A finished invocation object kept for reuse by the next invocation of this connection, if any.</summary>
    public T? TakeSpare<T>() where T : QueuedInvocation => Interlocked.Exchange(ref _spare, null) as T;

    internal void ReturnSpare(QueuedInvocation invocation) => Volatile.Write(ref _spare, invocation);

    internal void ReleaseSlot()
    {
        QueuedInvocation? next;
        TaskCompletionSource? space;
        lock (_lock)
        {
            if (_closed || !_waiting.TryDequeue(out next))
            {
                _running--;
                return;
            }

            space = _spaceAvailable;
            _spaceAvailable = null;
        }

        space?.TrySetResult();
        next.Start(this, holdsSlot: true);
    }

    private static ConcurrentDictionary<string, T> Create<T>(ref ConcurrentDictionary<string, T>? field)
    {
        Interlocked.CompareExchange(ref field, new ConcurrentDictionary<string, T>(StringComparer.Ordinal), null);
        return field;
    }
}
