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
    private readonly Queue<Func<InvocationSlot, Task>> _waiting = new();
    private readonly int _maxParallel;
    private int _running;
    private bool _closed;
    private TaskCompletionSource? _spaceAvailable;

    public HubConnectionInvocations(int maxParallel)
    {
        _maxParallel = Math.Max(1, maxParallel);
    }

    /// <summary>Client invocation id → its cancellation source (only invocations that can observe cancellation).</summary>
    public ConcurrentDictionary<string, CancellationTokenSource?> Active { get; } = new(StringComparer.Ordinal);

    /// <summary>Upload stream id → stream.</summary>
    public ConcurrentDictionary<string, IUploadStream> Streams { get; } = new(StringComparer.Ordinal);

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
    /// <see cref="InvocationSlot.Release"/>. Returns null, or (queue full) a task the reader must await before it
    /// reads more; called by the read loop only.
    /// </summary>
    public Task? Enqueue(Func<InvocationSlot, Task> invocation)
    {
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

        Start(invocation, new InvocationSlot(this, holdsSlot: true));
        return null;
    }

    /// <summary>
    /// Runs <paramref name="invocation"/> now, outside the parallel-invocation limit. Used for invocations with upload
    /// streams, as the official server does (observed): otherwise a queued upload whose buffer is full would stop the
    /// reader while the running invocation waits for items behind it.
    /// </summary>
    public void StartOutsideLimit(Func<InvocationSlot, Task> invocation)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
        }

        Start(invocation, new InvocationSlot(this, holdsSlot: false));
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

    private static void Start(Func<InvocationSlot, Task> invocation, InvocationSlot slot)
    {
        // On the thread pool, so that a synchronous hub method never blocks the read loop.
        _ = Task.Run(async () =>
        {
            try
            {
                await invocation(slot).ConfigureAwait(false);
            }
            finally
            {
                slot.Release();
            }
        });
    }

    private void ReleaseSlot()
    {
        Func<InvocationSlot, Task>? next;
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
        Start(next, new InvocationSlot(this, holdsSlot: true));
    }

    /// <summary>A running invocation's hold on one of the connection's parallel-invocation slots.</summary>
    internal sealed class InvocationSlot
    {
        private readonly HubConnectionInvocations _owner;
        private int _released;

        public InvocationSlot(HubConnectionInvocations owner, bool holdsSlot)
        {
            _owner = owner;
            _released = holdsSlot ? 0 : 1;
        }

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _owner.ReleaseSlot();
            }
        }
    }
}
