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

    private readonly HubConnectionContext? _connection;

    public HubConnectionInvocations(int maxParallel, HubConnectionContext? connection = null)
    {
        _maxParallel = Math.Max(1, maxParallel);
        _connection = connection;
    }

    /// <summary>A thread-pool work item stopped running invocations: completions whose flush was deferred go out now.</summary>
    internal void OnRunEnded() => _connection?.FlushDeferredWrites();

    // Created on first use: an idle connection holds neither (each is about half a kilobyte).
    private ConcurrentDictionary<string, CancellationTokenSource>? _active;
    private ConcurrentDictionary<string, IUploadStream>? _streams;

    /// <summary>Client invocation id → its cancellation source (only invocations that can observe cancellation).</summary>
    public ConcurrentDictionary<string, CancellationTokenSource> Active => _active ?? Create(ref _active);

    /// <summary>Upload stream id → stream.</summary>
    public ConcurrentDictionary<string, IUploadStream> Streams => _streams ?? Create(ref _streams);

    /// <summary>Whether any upload stream was ever registered (reading <see cref="Streams"/> would create the map).</summary>
    public bool HasStreams => _streams is not null;

    /// <summary>Upload streams whose id a later invocation took over; they end with the connection. Read loop only.</summary>
    private List<IUploadStream>? _orphanedStreams;

    /// <summary>
    /// Registers an upload stream. An id already in use is taken over by the new stream, as on the official server
    /// (observed: no error, items go to the newest stream, the older one is never fed again and ends with the connection).
    /// </summary>
    public void AddStream(string id, IUploadStream stream)
    {
        var streams = Streams;
        while (!streams.TryAdd(id, stream))
        {
            if (streams.TryGetValue(id, out var previous) && streams.TryUpdate(id, stream, previous))
            {
                (_orphanedStreams ??= []).Add(previous);
                return;
            }
        }
    }

    /// <summary>Ends every upload stream of a connection that is ending (<paramref name="error"/> for the consumers).</summary>
    public void CompleteStreams(Exception error)
    {
        if (_streams is { } streams)
        {
            foreach (var stream in streams.Values)
            {
                stream.Complete(error);
            }
        }

        if (_orphanedStreams is { } orphans)
        {
            foreach (var stream in orphans)
            {
                stream.Complete(error);
            }
        }
    }

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
                _waitingCount = _waiting.Count;
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
    /// Runs <paramref name="invocation"/> on the caller's thread (the read loop) when a slot is free and nothing waits;
    /// false when it must be queued instead (<see cref="Enqueue"/>).
    /// </summary>
    public bool TryRunInline(QueuedInvocation invocation)
    {
        lock (_lock)
        {
            if (_closed || _running >= _maxParallel || _waiting.Count > 0)
            {
                return false;
            }

            _running++;
        }

        invocation.RunInline(this);
        return true;
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
            _waitingCount = 0;
            space = _spaceAvailable;
            _spaceAvailable = null;
        }

        space?.TrySetResult();
    }

    /// <summary>A finished invocation object kept for reuse by the next invocation of this connection, if any.</summary>
    public T? TakeSpare<T>() where T : QueuedInvocation => Interlocked.Exchange(ref _spare, null) as T;

    internal void ReturnSpare(QueuedInvocation invocation) => Volatile.Write(ref _spare, invocation);

    /// <summary>Whether invocations wait for a slot (a hint: read without the lock).</summary>
    public bool HasWaiting => Volatile.Read(ref _waitingCount) > 0;

    private int _waitingCount;

    internal void ReleaseSlot() => TakeNextOrReleaseSlot(runInline: false);

    /// <summary>
    /// Gives the slot to the next waiting invocation: returned to run on the caller's thread when
    /// <paramref name="runInline"/> (the caller runs it at once), else queued on the thread pool; or frees the slot.
    /// </summary>
    internal QueuedInvocation? TakeNextOrReleaseSlot(bool runInline)
    {
        QueuedInvocation? next;
        TaskCompletionSource? space;
        lock (_lock)
        {
            if (_closed || !_waiting.TryDequeue(out next))
            {
                _running--;
                return null;
            }

            _waitingCount = _waiting.Count;
            space = _spaceAvailable;
            _spaceAvailable = null;
        }

        space?.TrySetResult();
        if (runInline)
        {
            next.Adopt(this);
            return next;
        }

        next.Start(this, holdsSlot: true);
        return null;
    }

    private static ConcurrentDictionary<string, T> Create<T>(ref ConcurrentDictionary<string, T>? field)
    {
        Interlocked.CompareExchange(ref field, new ConcurrentDictionary<string, T>(StringComparer.Ordinal), null);
        return field;
    }
}
