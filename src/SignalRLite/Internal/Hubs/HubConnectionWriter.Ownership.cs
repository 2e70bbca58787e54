using System.Diagnostics;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Ownership of the output pipe (invariants I1 to I3 of <see cref="HubConnectionWriter"/>): the only code that takes
/// <see cref="_lock"/>, the writer's one lock. The critical sections only flip <see cref="_owned"/> and queue or dequeue
/// a waiter; writing and flushing happen outside, by the owner.
/// </summary>
internal sealed partial class HubConnectionWriter
{
    private readonly Lock _lock = new();
    private bool _owned;                                  // guarded by _lock
    private Queue<TaskCompletionSource<bool>>? _waiters;  // guarded by _lock; created on the first contention

    private bool TryAcquire()
    {
        lock (_lock)
        {
            AssertInvariants();
            if (_owned)
            {
                return false;
            }

            _owned = true;
            return true;
        }
    }

    /// <summary>Completes once the caller owns the pipe; throws if <paramref name="cancellationToken"/> fires first.</summary>
    private ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> waiter;
        lock (_lock)
        {
            AssertInvariants();
            if (!_owned)
            {
                _owned = true;
                return default;
            }

            cancellationToken.ThrowIfCancellationRequested();
            // Continuations run asynchronously so that Release, which completes this under _lock, never runs the new
            // owner's code while holding the lock.
            waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            (_waiters ??= new Queue<TaskCompletionSource<bool>>()).Enqueue(waiter);
        }

        return WaitForTurnAsync(waiter, cancellationToken);
    }

    private static async ValueTask WaitForTurnAsync(TaskCompletionSource<bool> waiter, CancellationToken cancellationToken)
    {
        // Cancellation and Release race on the same TaskCompletionSource: whichever completes it first wins. A waiter
        // that was cancelled stays queued and is skipped by Release; one that was granted ignores the cancellation.
        using (cancellationToken.UnsafeRegister(static (s, token) => ((TaskCompletionSource<bool>)s!).TrySetCanceled(token), waiter))
        {
            await waiter.Task.ConfigureAwait(false);
        }
    }

    private void Release()
    {
        lock (_lock)
        {
            AssertOwned();
            while (_waiters is { Count: > 0 } waiters)
            {
                // I3: the pipe stays owned while it passes to the oldest waiter that is still waiting.
                if (waiters.Dequeue().TrySetResult(true))
                {
                    return;
                }
            }

            _owned = false;
            AssertInvariants();
        }
    }

    [Conditional("DEBUG")]
    private void AssertOwned() => Debug.Assert(Volatile.Read(ref _owned), "Only the owner of the pipe may write, flush or release it (I1).");

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        lock (_lock)
        {
            // I2: nobody waits for a free pipe (cancelled waiters may linger until the next Release skips them).
            Debug.Assert(_owned || _waiters is null || _waiters.All(w => w.Task.IsCompleted), "A waiter is queued while the pipe is free (I2).");
        }
    }
}
