using System.Diagnostics;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The parallel-invocation limit of one connection: at most <c>MaximumParallelInvocationsPerClient</c> invocations
/// hold a slot; the others wait in arrival order (FIFO) and none is dropped while the connection lives.
/// </summary>
/// <remarks>
/// <para>Who calls what. The read loop (one thread at a time) calls <see cref="Enqueue"/>, <see cref="TryRunInline"/>,
/// <see cref="StartOutsideLimit"/> and <see cref="TakeSpare"/>. A slot holder calls <see cref="Release"/> or
/// <see cref="ReleaseAndTakeNext"/> exactly once (see <see cref="QueuedInvocation"/>), from any thread.
/// <see cref="Close"/> runs once the connection ends. One exception: the notification of an authentication refresh
/// (HubDispatcher.AuthenticationRefresh.cs) is <see cref="Enqueue"/>d from the refresh request's thread; Enqueue does
/// all its work under the lock and the notification is never reused as an invocation (TakeSpare is typed), so it may
/// race the read loop's calls.</para>
/// <para>Backpressure. At most <see cref="MaxQueuedInvocations"/> invocations wait: once the queue is full,
/// <see cref="Enqueue"/> returns a task that completes when one leaves it, and the reader awaits it before it reads
/// more (the transport's input buffer fills instead of this queue). The caller may ignore the task (stateful
/// reconnect, where the reader must stay free): the queue is then unbounded.</para>
/// <para>Invariants, all under <see cref="_lock"/> (the only lock of this type; nothing else is taken while it is
/// held, and no invocation is started or completed while it is held):</para>
/// <list type="number">
/// <item>0 &lt;= <see cref="_running"/> &lt;= <see cref="_maxParallel"/>.</item>
/// <item>Something waits only when every slot is taken: <c>_waiting.Count &gt; 0 ⇒ _running == _maxParallel</c>
/// (a free slot is never left idle: <see cref="Release"/> hands its slot straight to the head of the queue).</item>
/// <item>Once closed, nothing waits and nothing more is started: <c>_closed ⇒ _waiting.Count == 0 ∧ _spaceAvailable == null</c>.</item>
/// <item>The reader is told to wait only for a full queue: <c>_spaceAvailable != null ⇒ _waiting.Count &gt;= MaxQueuedInvocations</c>.</item>
/// <item>The spare item is idle: it is in no queue and no thread runs it (see <see cref="ReturnSpare"/>).</item>
/// </list>
/// </remarks>
internal sealed class InvocationScheduler
{
    /// <summary>Invocations that may wait for a slot, beyond the running ones, before the reader pauses.</summary>
    public const int MaxQueuedInvocations = 32;

    private readonly Lock _lock = new();
    private Queue<QueuedInvocation>? _waiting; // created when the first invocation has to wait (most connections never do)
    private readonly int _maxParallel;
    private int _running;
    private bool _closed;
    private TaskCompletionSource? _spaceAvailable;
    private QueuedInvocation? _spare;
    private readonly HubConnectionContext? _connection;

    /// <param name="maxParallel">MaximumParallelInvocationsPerClient.</param>
    /// <param name="connection">Whose deferred completions a thread flushes when it stops running invocations (no delegate: one object fewer per connection).</param>
    public InvocationScheduler(int maxParallel, HubConnectionContext? connection = null)
    {
        _maxParallel = Math.Max(1, maxParallel);
        _connection = connection;
    }

    private int WaitingCount => _waiting?.Count ?? 0;

    /// <summary>
    /// Whether invocations wait for a slot. Tells a finishing invocation whether the thread running it will go on with
    /// the next one (whose completion, or the end of the run, then flushes this one's too).
    /// </summary>
    public bool HasWaiting
    {
        get
        {
            lock (_lock)
            {
                return WaitingCount > 0;
            }
        }
    }

    /// <summary>No invocation holds a slot or waits for one.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_lock)
            {
                return _running == 0 && WaitingCount == 0;
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
                return WaitingCount;
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="invocation"/> on the thread pool holding a slot, now when one is free, else when its turn
    /// comes. Returns null, or (the queue is full) a task the reader should await before it reads more.
    /// </summary>
    public Task? Enqueue(QueuedInvocation invocation)
    {
        invocation.CaptureContext();
        lock (_lock)
        {
            AssertInvariants();
            if (_closed)
            {
                // The connection ended: nothing more runs (the invocation's uploads and cancellation end with it).
                return null;
            }

            if (_running < _maxParallel)
            {
                _running++;
            }
            else
            {
                var waiting = _waiting ??= new Queue<QueuedInvocation>();
                waiting.Enqueue(invocation);
                if (waiting.Count < MaxQueuedInvocations)
                {
                    return null;
                }

                _spaceAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _spaceAvailable.Task;
            }
        }

        invocation.Start(this, holdsSlot: true);
        return null;
    }

    /// <summary>
    /// Runs <paramref name="invocation"/> on the caller's thread (the read loop), holding a slot, when a slot is free and
    /// nothing waits (so FIFO order is kept); false when it must be queued with <see cref="Enqueue"/> instead.
    /// </summary>
    public bool TryRunInline(QueuedInvocation invocation)
    {
        lock (_lock)
        {
            AssertInvariants();
            if (_closed || _running >= _maxParallel)
            {
                // Invariant 2: with a slot free nothing waits, so this check alone keeps arrival order.
                return false;
            }

            _running++;
        }

        invocation.RunInline(this);
        return true;
    }

    /// <summary>
    /// Starts <paramref name="invocation"/> now without a slot. Used for invocations with upload streams, as the official
    /// server does (observed): a queued upload whose buffer filled up would otherwise stop the reader while the running
    /// invocation waits for items behind it.
    /// </summary>
    public void StartOutsideLimit(QueuedInvocation invocation)
    {
        invocation.CaptureContext();
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
        }

        invocation.Start(this, holdsSlot: false);
    }

    /// <summary>Gives a slot back: to the invocation at the head of the queue, which starts on the thread pool, or free.</summary>
    public void Release() => ReleaseAndTakeNext()?.Start(this, holdsSlot: true);

    /// <summary>
    /// Gives a slot back like <see cref="Release"/>, except that the invocation at the head of the queue is returned
    /// instead of started: it holds the slot now, and the caller runs it at once on its own thread.
    /// </summary>
    public QueuedInvocation? ReleaseAndTakeNext()
    {
        QueuedInvocation? next;
        TaskCompletionSource? space;
        lock (_lock)
        {
            Debug.Assert(_running > 0, "A slot was released that was never taken.");
            if (_waiting is null || !_waiting.TryDequeue(out next))
            {
                _running--;
                AssertInvariants();
                return null;
            }

            // The slot passes from the releasing invocation to the next: _running is unchanged.
            space = _spaceAvailable;
            _spaceAvailable = null;
            AssertInvariants();
        }

        space?.TrySetResult();
        return next;
    }

    /// <summary>A thread stopped running invocations of this connection.</summary>
    public void OnRunEnded() => _connection?.FlushDeferredWrites();

    /// <summary>Drops the invocations that have not started and frees a reader waiting for space; the connection ended.</summary>
    public void Close()
    {
        TaskCompletionSource? space;
        lock (_lock)
        {
            _closed = true;
            _waiting?.Clear();
            space = _spaceAvailable;
            _spaceAvailable = null;
            AssertInvariants();
        }

        space?.TrySetResult();
    }

    /// <summary>A finished invocation object of this connection to reuse, if any (saves one allocation per invocation).</summary>
    public T? TakeSpare<T>() where T : QueuedInvocation
    {
        lock (_lock)
        {
            var spare = _spare as T;
            if (spare is not null)
            {
                _spare = null;
            }

            return spare;
        }
    }

    /// <summary>
    /// Keeps <paramref name="invocation"/> for reuse. Called by the invocation itself once it ran to completion
    /// synchronously, released its slot and dropped its references, so nothing refers to it any more (invariant 5).
    /// </summary>
    internal void ReturnSpare(QueuedInvocation invocation)
    {
        lock (_lock)
        {
            _spare = invocation;
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        Debug.Assert(_running >= 0 && _running <= _maxParallel, $"running {_running} outside 0..{_maxParallel}");
        Debug.Assert(WaitingCount == 0 || _running == _maxParallel, "An invocation waits while a slot is free.");
        Debug.Assert(!_closed || (WaitingCount == 0 && _spaceAvailable is null), "A closed scheduler holds waiting invocations.");
        Debug.Assert(_spaceAvailable is null || WaitingCount >= MaxQueuedInvocations, "The reader waits although the queue is not full.");
        Debug.Assert(_spare is null || _waiting is null || !_waiting.Contains(_spare), "The spare invocation is queued.");
    }
}
