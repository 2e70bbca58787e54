using System.Collections.Concurrent;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Per-connection dispatch state: client invocations in flight (for CancelInvocation), upload streams (for StreamItem
/// and Completion), and the queue that limits concurrent invocations to <c>MaximumParallelInvocationsPerClient</c>.
/// </summary>
/// <remarks>
/// The read loop only enqueues; invocations start on the thread pool in arrival order as slots free up, so the loop
/// keeps reading Ping, Completion, CancelInvocation and StreamItem while invocations wait or run.
/// </remarks>
internal sealed class HubConnectionInvocations
{
    private readonly Lock _lock = new();
    private readonly Queue<Func<InvocationSlot, Task>> _waiting = new();
    private readonly int _maxParallel;
    private int _running;
    private bool _closed;

    public HubConnectionInvocations(int maxParallel)
    {
        _maxParallel = Math.Max(1, maxParallel);
    }

    /// <summary>Client invocation id → its cancellation source (only invocations that can observe cancellation).</summary>
    public ConcurrentDictionary<string, CancellationTokenSource?> Active { get; } = new(StringComparer.Ordinal);

    /// <summary>Upload stream id → stream.</summary>
    public ConcurrentDictionary<string, IUploadStream> Streams { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="invocation"/> when a slot is free. The invocation releases its slot early by calling <see cref="InvocationSlot.Release"/>.</summary>
    public void Enqueue(Func<InvocationSlot, Task> invocation)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            if (_running >= _maxParallel)
            {
                _waiting.Enqueue(invocation);
                return;
            }

            _running++;
        }

        Start(invocation, new InvocationSlot(this, holdsSlot: true));
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
        lock (_lock)
        {
            _closed = true;
            _waiting.Clear();
        }
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
        lock (_lock)
        {
            if (_closed || !_waiting.TryDequeue(out next))
            {
                _running--;
                return;
            }
        }

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
