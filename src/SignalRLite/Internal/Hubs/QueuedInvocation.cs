using System.Diagnostics;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// One client invocation as the <see cref="InvocationScheduler"/> sees it: its own thread-pool work item, and the holder
/// of at most one slot. Reused by the next invocation of its connection once it finished synchronously.
/// </summary>
/// <remarks>
/// <para>Life cycle (one owner at a time, so no lock): the read loop fills it and hands it to the scheduler; from
/// <see cref="Start"/> (or <see cref="RunInline"/>, or being returned by <see cref="InvocationScheduler.ReleaseAndTakeNext"/>)
/// on, the thread running it owns it; if it finishes synchronously it goes back to the scheduler's spare slot
/// (<see cref="InvocationScheduler.ReturnSpare"/>) and belongs to the read loop again. An invocation that goes
/// asynchronous is never reused (its continuation may still refer to it).</para>
/// <para>A run: the thread that runs an invocation which finishes synchronously takes the slot straight over to the next
/// waiting invocation and runs it too, up to <see cref="MaxRunLength"/> in a row, instead of queueing it on the thread
/// pool (a pipelining client: one hop per run instead of one per invocation). Completions written during a run may wait
/// in the output for the run's end (see HubDispatcher.InlinePath.cs).</para>
/// <para>Invariants:</para>
/// <list type="number">
/// <item>The slot is given back exactly once: early by a streaming invocation once its method returned the stream
/// (<see cref="ReleaseSlot"/>), else when the run of the invocation ends (passed on to the next, or released).
/// <see cref="_holdsSlot"/> is the only field two threads may touch at once (the stream pump and the end of the run),
/// hence the interlocked exchange.</item>
/// <item>Every run ends with <see cref="InvocationScheduler.OnRunEnded"/>, which flushes the completions it deferred;
/// except a run on the read loop (<see cref="RunInline"/>), whose completions the read loop flushes after the batch of
/// received messages it is in, before it waits for anything.</item>
/// </list>
/// <para>Runs in the execution context of the read loop that queued it (as <c>Task.Run</c> would), except when run
/// inline, where it already is on the read loop.</para>
/// </remarks>
internal abstract class QueuedInvocation : IThreadPoolWorkItem
{
    /// <summary>Invocations one thread may run back to back before it hands the rest to the thread pool (fairness).</summary>
    private const int MaxRunLength = 32;

    private static readonly ContextCallback s_begin = static state => ((QueuedInvocation)state!).Begin();

    private InvocationScheduler? _scheduler;
    private ExecutionContext? _executionContext;
    private int _holdsSlot;

    /// <summary>The run of <see cref="RunAsync"/> begun by <see cref="Begin"/>; read right after, on the same thread.</summary>
    private ValueTask _pending;

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

    /// <summary>
    /// The invocation runs on the read loop (<see cref="RunInline"/>): its Completion may wait in the output for the
    /// read loop's flush at the end of the received batch. Read by the thread running it, which set it.
    /// </summary>
    internal bool OnReadLoop { get; private set; }

    /// <summary>Runs the invocation on the caller's thread and in its context, holding the slot the caller took for it.</summary>
    internal void RunInline(InvocationScheduler scheduler)
    {
        _scheduler = scheduler;
        _holdsSlot = 1;
        _executionContext = null;
        // Alone: the read loop must go back to reading (and, being the only one that queues, would find nothing waiting).
        // No OnRunEnded: the read loop flushes once after the whole received batch (HubConnectionHandler).
        OnReadLoop = true;
        try
        {
            RunOnce(takeNext: false);
        }
        finally
        {
            OnReadLoop = false;
        }
    }

    /// <summary>Takes over the slot of the invocation that ran before it on this thread.</summary>
    internal void AdoptSlot(InvocationScheduler scheduler)
    {
        _scheduler = scheduler;
        _holdsSlot = 1;
    }

    void IThreadPoolWorkItem.Execute() => RunFrom(this, _scheduler!, MaxRunLength);

    private static void RunFrom(QueuedInvocation first, InvocationScheduler scheduler, int maxLength)
    {
        var current = first;
        for (var left = maxLength; current is not null; left--)
        {
            current = current.RunOnce(takeNext: left > 1);
        }

        scheduler.OnRunEnded();
    }

    /// <summary>Runs the invocation in its context; returns the next one to run on this thread, if any.</summary>
    private QueuedInvocation? RunOnce(bool takeNext)
    {
        if (_executionContext is { } context)
        {
            ExecutionContext.Run(context, s_begin, this);
        }
        else
        {
            Begin();
        }

        var run = _pending;
        _pending = default;
        if (!run.IsCompleted)
        {
            _ = ReleaseWhenDoneAsync(run);
            return null;
        }

        // Finished synchronously: the run is over and nothing refers to this object any more.
        var scheduler = _scheduler!;
        QueuedInvocation? next = null;
        if (Interlocked.Exchange(ref _holdsSlot, 0) == 1)
        {
            if (takeNext)
            {
                next = scheduler.ReleaseAndTakeNext();
                next?.AdoptSlot(scheduler);
            }
            else
            {
                scheduler.Release();
            }
        }

        Clear();
        _scheduler = null;
        _executionContext = null;
        Debug.Assert(_holdsSlot == 0);
        scheduler.ReturnSpare(this);
        return next;
    }

    private void Begin()
    {
        try
        {
            _pending = RunAsync();
        }
        catch (Exception ex)
        {
            // RunAsync does not throw; should it, the invocation is over all the same.
            _pending = ValueTask.FromException(ex);
        }
    }

    private async Task ReleaseWhenDoneAsync(ValueTask run)
    {
        try
        {
            await run.ConfigureAwait(false);
        }
        catch
        {
            // Only an exception RunAsync should not have let out: nothing to report it to.
        }
        finally
        {
            ReleaseSlot();
        }
    }
}
