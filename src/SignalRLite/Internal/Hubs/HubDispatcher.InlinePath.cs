using SignalRLite.Internal.Diagnostics;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

// The synchronous fast path: an invocation that needs no scope and whose method and Completion write finish
// synchronously runs without an async state machine, and (when it would start at once anyway) on the read loop itself,
// without a thread-pool hop. Queued ones that finish synchronously run back to back on one thread (QueuedInvocation),
// their Completions flushed once at the end of the run.
//
// Invariants:
// 1. Only a method that is synchronous and takes no CancellationToken runs on the read loop. Such a method cannot wait
//    for, or be told, anything the read loop would have to deliver (a client result, a stream item, a
//    CancelInvocation), so holding up the read loop while it runs cannot deadlock.
// 2. It runs on the read loop only when the scheduler has a free slot and nothing waits (InvocationScheduler.TryRunInline),
//    so the parallel limit and arrival order are the same as on the thread pool.
// 3. The client timeout does not run meanwhile (ReaderPaused): the server, not the client, holds up reading.
// 4. The scope-less path is taken only when nothing can observe the missing scope (_scopeUnobservable: no filter, the
//    default activator, a hub without constructor parameters that is not a registered service) and the method needs
//    no services and no [Authorize]; server-to-client streams always take the scoped path.
// 5. The parsed InvocationMessage goes back to the connection's pool (IInvocationMessagePool) only on this path, after
//    the Completion was written: nothing else (no filter, no scope, no pending continuation) ever saw it.
// 6. A Completion written here without a flush (others wait for a slot) is flushed by the end of the thread's run at the
//    latest: every run ends with InvocationScheduler.OnRunEnded (QueuedInvocation), so no Completion waits for an
//    invocation that is still running; a stale "waiting" only defers the flush to the end of this run. On the read loop
//    the Completion always waits for the read loop's flush after the received batch (HubConnectionHandler), which comes
//    before the read loop waits for anything (more bytes, a queue slot, an upload buffer): one message per batch.
// 7. The Completion of this path is the invocation work item's own object (Invocation.WriteCompletion), not a new one
//    per invocation (56 B less per echo: HotPathAllocationTests). Safe because WriteAsync serialises the message before
//    it returns and keeps no reference to it, and the work item is reused only after its run ended on this thread; the
//    object is reset right after the write, so a spare work item keeps no result alive.
internal sealed partial class HubDispatcher<THub>
{
    /// <summary>Runs <paramref name="invocation"/> on the read loop when invariants 1 and 2 allow it; false when it must be queued.</summary>
    private static bool TryRunOnReadLoop(HubConnectionContext connection, HubMethodDescriptor descriptor, Invocation invocation)
    {
        if (!descriptor.IsSynchronous || descriptor.HasCancellationToken)
        {
            return false;
        }

        connection.ReaderPaused(true);
        try
        {
            return connection.GetInvocations().Scheduler.TryRunInline(invocation);
        }
        finally
        {
            connection.ReaderPaused(false);
        }
    }

    private static bool NeedsServices(HubMethodDescriptor descriptor)
    {
        foreach (var source in descriptor.Sources)
        {
            if (source is HubParameterSource.Services or HubParameterSource.KeyedServices)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Runs a non-streaming invocation without a scope and without an async state machine while the method and the
    /// write of its completion finish synchronously; anything else continues in <see cref="CompleteInvocationAsync"/>.
    /// </summary>
    private ValueTask InvokeAsync(
        HubConnectionContext connection,
        HubMethodInvocationMessage message,
        HubMethodDescriptor descriptor,
        CancellationTokenSource? cts,
        IUploadStream[]? streams,
        Invocation slot)
    {
        // [Authorize] is evaluated with the scope's services and the invocation context, so it takes the scoped path.
        // With an activity listener attached every invocation gets its activity on the scoped path.
        // A timestamp only while the duration is listened to (0 otherwise).
        var start = Metrics.InvocationStarted();
        if (!_scopeUnobservable || descriptor.IsStreamingMethod || descriptor.AuthorizeData.Length > 0 || NeedsServices(descriptor) || HubActivitySource.IsEnabled)
        {
            return new ValueTask(InvokeInScopeAsync(connection, message, descriptor, cts, streams, slot, start));
        }

        THub? hub = null;
        ValueTask<object?> pending;
        try
        {
            hub = CreateHub(_rootServices, connection, out _);
            var arguments = BuildArguments(descriptor, message.Arguments, _rootServices, connection, cts, streams);
            pending = descriptor.Invoker(hub, arguments);
        }
        catch (Exception ex)
        {
            pending = ValueTask.FromException<object?>(ex);
        }

        if (!pending.IsCompletedSuccessfully)
        {
            return CompleteInvocationAsync(pending, default, connection, message, descriptor, cts, streams, hub, start);
        }

        var result = pending.Result;
        if (message.InvocationId is { } id)
        {
            ValueTask write;
            try
            {
                // Methods without a value (void, Task, ValueTask) complete with a null result, as on the official server.
                // Invariant 6: with invocations waiting, this thread runs the next one right after this one, and its
                // completion or the end of the run flushes this one too.
                write = slot.WriteCompletion(connection, id, result, flush: !slot.OnReadLoop && !connection.GetInvocations().Scheduler.HasWaiting);
            }
            catch (Exception ex)
            {
                return CompleteInvocationAsync(ValueTask.FromException<object?>(ex), default, connection, message, descriptor, cts, streams, hub, start);
            }

            if (!write.IsCompletedSuccessfully)
            {
                return CompleteInvocationAsync(pending, write, connection, message, descriptor, cts, streams, hub, start);
            }
        }

        EndInvocation(connection, message, cts, streams);
        ReleaseHub(_rootServices, hub, created: true);
        Metrics.InvocationEnded(HubName, descriptor.Name, InvocationOutcome.Success, start);
        if (message.GetType() == typeof(InvocationMessage))
        {
            // Nothing else saw the message (no filter, no scope) and nothing refers to it any more.
            connection.InvocationMessages.Return((InvocationMessage)message);
        }

        return default;
    }

    /// <summary>The rest of a scope-less invocation: awaits the method (or the write of its completion when <paramref name="write"/> is pending) and completes it.</summary>
    private async ValueTask CompleteInvocationAsync(
        ValueTask<object?> pending,
        ValueTask write,
        HubConnectionContext connection,
        HubMethodInvocationMessage message,
        HubMethodDescriptor descriptor,
        CancellationTokenSource? cts,
        IUploadStream[]? streams,
        THub? hub,
        long start)
    {
        var id = message.InvocationId;
        var outcome = InvocationOutcome.Unhandled;
        try
        {
            if (!write.IsCompleted)
            {
                await write.ConfigureAwait(false);
                outcome = InvocationOutcome.Success;
                return;
            }

            var result = await pending.ConfigureAwait(false);
            if (id is not null)
            {
                await connection.WriteAsync(CompletionMessage.WithResult(id, result)).ConfigureAwait(false);
            }

            outcome = InvocationOutcome.Success;
        }
        catch (Exception ex)
        {
            outcome = SignalRLiteMetrics.OutcomeOf(ex, cts?.IsCancellationRequested ?? connection.ConnectionAborted.IsCancellationRequested);
            await AnswerFailureAsync(connection, message, descriptor, ex).ConfigureAwait(false);
        }
        finally
        {
            EndInvocation(connection, message, cts, streams);
            ReleaseHub(_rootServices, hub, created: true);
            Metrics.InvocationEnded(HubName, descriptor.Name, outcome, start);
        }
    }
}
