namespace SignalRLite.Internal.Hubs;

/// <summary>
/// One client invocation waiting for or holding a parallel-invocation slot of its connection. It is its own thread-pool
/// work item and its own slot, so queueing and starting it allocates nothing more than this object.
/// </summary>
/// <remarks>
/// Runs in the execution context of the read loop that queued it (as <c>Task.Run</c> would). The slot is released
/// exactly once: early by a streaming invocation through <see cref="Release"/>, else when <see cref="RunAsync"/> ends.
/// </remarks>
internal abstract class QueuedInvocation : IThreadPoolWorkItem
{
    private HubConnectionInvocations? _owner;
    private ExecutionContext? _executionContext;
    private int _released;

    /// <summary>Runs the invocation; must not throw.</summary>
    protected abstract ValueTask RunAsync();

    /// <summary>Drops the references to the finished invocation before this object is kept for reuse.</summary>
    protected abstract void Clear();

    /// <summary>Gives the slot back before the invocation ends.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _owner!.ReleaseSlot();
        }
    }

    internal void Capture() => _executionContext = ExecutionContext.Capture();

    /// <summary>Queues the invocation on the thread pool; one started outside the limit holds no slot to release.</summary>
    internal void Start(HubConnectionInvocations owner, bool holdsSlot)
    {
        _owner = owner;
        _released = holdsSlot ? 0 : 1;
        // On the thread pool, so that a synchronous hub method never blocks the read loop.
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Invocations one thread-pool work item may run back to back before it hands the rest to the pool.</summary>
    private const int MaxInlineRun = 32;

    [ThreadStatic]
    private static QueuedInvocation? t_next;

    /// <summary>Takes the slot of the invocation that ran before it on the same thread.</summary>
    internal void Adopt(HubConnectionInvocations owner)
    {
        _owner = owner;
        _released = 0;
    }

    /// <summary>Runs the invocation on the caller's thread, in its context, holding the slot the caller took.</summary>
    internal void RunInline(HubConnectionInvocations owner)
    {
        Adopt(owner);
        _executionContext = null;
        ((IThreadPoolWorkItem)this).Execute();
    }

    void IThreadPoolWorkItem.Execute()
    {
        // Invocations that finish synchronously hand their slot to the next waiting one, which runs right here: no
        // thread-pool hop per message of a pipelining client, and their completions go out in one flush (see
        // HubConnectionInvocations.OnRunEnded).
        var owner = _owner!;
        QueuedInvocation? current = this;
        for (var budget = MaxInlineRun; current is not null; budget--)
        {
            current = current.RunOnce(allowInline: budget > 1);
        }

        owner.OnRunEnded();
    }

    /// <summary>Runs in the captured context; returns the next invocation to run inline, if any. Must not touch this object after returning it to the spare slot.</summary>
    private QueuedInvocation? RunOnce(bool allowInline)
    {
        if (_executionContext is { } context)
        {
            ExecutionContext.Run(context, allowInline ? s_runInline : s_runAlone, this);
            var next = t_next;
            t_next = null;
            return next;
        }

        return Run(allowInline);
    }

    private static readonly ContextCallback s_runInline = static state => t_next = ((QueuedInvocation)state!).Run(allowInline: true);
    private static readonly ContextCallback s_runAlone = static state => t_next = ((QueuedInvocation)state!).Run(allowInline: false);

    private QueuedInvocation? Run(bool allowInline)
    {
        ValueTask run;
        try
        {
            run = RunAsync();
        }
        catch
        {
            Release();
            return null;
        }

        if (!run.IsCompleted)
        {
            _ = ReleaseWhenDoneAsync(run);
            return null;
        }

        var owner = _owner!;
        var next = Interlocked.Exchange(ref _released, 1) == 0 ? owner.TakeNextOrReleaseSlot(allowInline) : null;

        // Finished synchronously: nothing refers to this object any more, so the connection may reuse it.
        Clear();
        _owner = null;
        _executionContext = null;
        _released = 0;
        owner.ReturnSpare(this);
        return next;
    }

    private async Task ReleaseWhenDoneAsync(ValueTask run)
    {
        try
        {
            await run.ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }
}
