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
/// moves to the thread pool here: a broadcast to 1,000 connections must not run 1,000 socket sends on the sender's
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
    /// Reads the application's output for <paramref name="owner"/> (the transport, or null when no read may continue
    /// inline). Returns on the thread pool unless the read completed at once or was resumed by the owner's own receive loop.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<ReadResult> ReadAsync(PipeReader reader, object? owner, CancellationToken cancellationToken = default)
    {
        var pending = reader.ReadAsync(cancellationToken);
        if (pending.IsCompleted)
        {
            // Data was already there: the reader is on its own thread (the pool, or the owner's receive loop).
            return await pending.ConfigureAwait(false);
        }

        ReadResult result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception) when (!IsOwnersThread(owner))
        {
            await Task.Yield();
            throw;
        }

        if (IsOwnersThread(owner))
        {
            return result;
        }

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
