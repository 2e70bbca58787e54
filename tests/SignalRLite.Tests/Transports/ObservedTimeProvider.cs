using Microsoft.Extensions.Time.Testing;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also reports when a timer is armed (created or changed) with a given due time,
/// so that a test advances the clock only once the code under test waits on it, instead of sleeping and hoping.
/// </summary>
internal sealed class ObservedTimeProvider : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TimeSpan, int> _armed = [];
    private readonly Dictionary<TimeSpan, int> _awaited = [];
    private readonly List<(TimeSpan Due, int Count, TaskCompletionSource Done)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ObservedTimer(base.CreateTimer(callback, state, dueTime, period), this);
        OnArmed(dueTime);
        return timer;
    }

    /// <summary>
    /// Completes when a timer has been armed with <paramref name="dueTime"/> once more than the previous calls for that
    /// due time waited for (the first call waits for the first arming, the second for the second, ...).
    /// </summary>
    public Task WhenArmedAsync(TimeSpan dueTime)
    {
        lock (_lock)
        {
            var count = _awaited[dueTime] = _awaited.GetValueOrDefault(dueTime) + 1;
            if (_armed.GetValueOrDefault(dueTime) >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueTime, count, done));
            return done.Task;
        }
    }

    private void OnArmed(TimeSpan dueTime)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        lock (_lock)
        {
            var armed = _armed[dueTime] = _armed.GetValueOrDefault(dueTime) + 1;
            _waiters.RemoveAll(w =>
            {
                if (w.Due != dueTime || w.Count > armed)
                {
                    return false;
                }

                w.Done.TrySetResult();
                return true;
            });
        }
    }

    private sealed class ObservedTimer(ITimer inner, ObservedTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            owner.OnArmed(dueTime);
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
