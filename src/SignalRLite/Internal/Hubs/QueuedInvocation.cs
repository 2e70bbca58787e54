using System.Diagnostics;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// One client invocation as the <see cref="InvocationScheduler"/> sees it: its own thread-pool work item, and the holder
/// of at most one slot. Reused by the next invocation of its connection once it finished synchronously.
/// </summary>
/// <remarks>
/// <para>Life cycle (one owner at a time, so no lock): the read loop fills it and hands it to the scheduler; from
/// <see cref="Start"/> (or <see cref="RunInline"/>) on, the thread running it owns it; if it finishes synchronously it
/// goes back to the scheduler's spare slot (<see cref="InvocationScheduler.ReturnSpare"/>) and belongs to the read loop
/// again. An invocation that goes asynchronous is never reused (its continuation may still refer to it).</para>
/// <para>Invariant: the slot is given back exactly once, by <see cref="ReleaseSlot"/>: early by a streaming invocation
/// once its method returned the stream, else when <see cref="RunAsync"/> ends. <see cref="_holdsSlot"/> is the only field
/// two threads may touch at once (the stream pump and the end of the run), hence the interlocked exchange.</para>
/// <para>Runs in the execution context of the read loop that queued it (as <c>Task.Run</c> would), except when run
/// inline, where it already is on the read loop.</para>
/// </remarks>
internal abstract class QueuedInvocation : IThreadPoolWorkItem
{
    private static readonly ContextCallback s_run = static state => ((QueuedInvocation)state!).Run();

    private InvocationScheduler? _scheduler;
    private ExecutionContext? _executionContext;
    private int _holdsSlot;

    /// <summary>Runs the invocation; must not throw.</summary>
    protected abstract ValueTask RunAsync();

    /// <summary>Drops the references to the finished invocation before this object is kept for reuse.</summary>
    protected abstract void Clear();

    /// <summary>Gives the slot back (if this invocation holds one and has not given it back yet).</summary>
    public void ReleaseSlot()
    {
        if (Interlocked.Exchange(ref _holdsSlot, 0) == 1)
        {
            _scheduler!.Release();
        }
    }

    internal void CaptureContext() => _executionContext = ExecutionContext.Capture();

    /// <summary>Queues the invocation on the thread pool, so that a synchronous hub method never blocks the read loop.</summary>
    internal void Start(InvocationScheduler scheduler, bool holdsSlot)
    {
        _scheduler = scheduler;
        _holdsSlot = holdsSlot ? 1 : 0;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Runs the invocation on the caller's thread and in its context, holding the slot the caller took for it.</summary>
    internal void RunInline(InvocationScheduler scheduler)
    {
        _scheduler = scheduler;
        _holdsSlot = 1;
        _executionContext = null;
        Run();
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (_executionContext is { } context)
        {
            ExecutionContext.Run(context, s_run, this);
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
            // RunAsync does not throw; should it, the slot must still be given back.
            ReleaseSlot();
            return;
        }

        if (!run.IsCompleted)
        {
            _ = ReleaseWhenDoneAsync(run);
            return;
        }

        // Finished synchronously: the run is over and nothing refers to this object any more.
        var scheduler = _scheduler!;
        ReleaseSlot();
        Clear();
        _scheduler = null;
        _executionContext = null;
        Debug.Assert(_holdsSlot == 0);
        scheduler.ReturnSpare(this);
    }

    private async Task ReleaseWhenDoneAsync(ValueTask run)
    {
        try
        {
            await run.ConfigureAwait(false);
        }
        finally
        {
            ReleaseSlot();
        }
    }
}
