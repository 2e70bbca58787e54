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

    void IThreadPoolWorkItem.Execute()
    {
        if (_executionContext is { } context)
        {
            ExecutionContext.Run(context, static state => ((QueuedInvocation)state!).Run(), this);
        }
        else
        {
            Run();
        }
    }

    private void Run()
    {
        ValueTask run;
        try
        {
            run = RunAsync();
        }
        catch
        {
            Release();
            return;
        }

        if (run.IsCompleted)
        {
            Release();

            // Finished synchronously: nothing refers to this object any more, so the connection may reuse it.
            var owner = _owner!;
            Clear();
            _owner = null;
            _executionContext = null;
            _released = 0;
            owner.ReturnSpare(this);
            return;
        }

        _ = ReleaseWhenDoneAsync(run);
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
