using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// How a transport reads what the application wrote, given that both pipes of a connection resume their reader inline
/// (<see cref="PipeScheduler.Inline"/>, see <see cref="HttpConnectionManager.GetPipeOptions"/>).
/// </summary>
/// <remarks>
/// <para>
/// Input: a transport's flush runs the hub's read loop on the transport's own thread, so a message goes from the socket
/// to a hub method without a thread-pool hop.
/// </para>
/// <para>
/// Output: a reader resumed inline runs on the thread of whoever flushed (or cancelled, or completed) the pipe. That is
/// wanted in one case only: the connection's own receive loop, which is running a synchronous hub method whose result
/// is for the same socket (an echo's Completion goes out before the receive loop reads on). Everywhere else the read
/// moves to the thread pool (<see cref="HopAsync"/>): a broadcast to 1,000 connections must not run 1,000 socket sends on the sender's
/// stack, and messages written while the send waits for the pool go out in the same frame.
/// </para>
/// <para>
/// Thread-safety: <see cref="t_receiving"/> is thread-static; a receive loop sets it only around its own synchronous
/// <c>FlushAsync</c> call and restores the previous value, so it names the transport whose receive loop is on this
/// thread's stack right now, or nothing.
/// </para>
/// </remarks>
internal static class ApplicationOutput
{
    [ThreadStatic]
    private static object? t_receiving;

    /// <summary>Marks <paramref name="transport"/>'s receive loop as running on this thread; returns what to pass to <see cref="ExitReceive"/>.</summary>
    public static object? EnterReceive(object transport)
    {
        var previous = t_receiving;
        t_receiving = transport;
        return previous;
    }

    public static void ExitReceive(object? previous) => t_receiving = previous;

    /// <summary>
    /// Whether a read of the application's output must move to the thread pool: it waited (<paramref name="resumed"/>),
    /// so the pipe resumed it inline on the thread that flushed, and that thread is not <paramref name="owner"/>'s own
    /// receive loop (<paramref name="owner"/> null: never continue inline).
    /// </summary>
    /// <remarks>
    /// The read itself is awaited in the transport's loop, not in a helper: an idle connection is parked in that read,
    /// and a helper's state machine would be held per idle connection. A read that throws (the application completed its
    /// output with an error, the request's token fired) is not moved: the loops only log and end then.
    /// </remarks>
    public static bool MustHop(bool resumed, object? owner) => resumed && !IsOwnersThread(owner);

    /// <summary>Moves a read that <see cref="MustHop"/> to the thread pool; returns the read to use.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<ReadResult> HopAsync(PipeReader reader, ReadResult result, CancellationToken cancellationToken = default)
    {
        if (result.IsCanceled || result.IsCompleted)
        {
            await Task.Yield();
            return result;
        }

        // Nothing examined: after the hop the next read returns at once, with whatever was written meanwhile too.
        reader.AdvanceTo(result.Buffer.Start);
        await Task.Yield();
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private static bool IsOwnersThread(object? owner) => owner is not null && ReferenceEquals(t_receiving, owner);
}
