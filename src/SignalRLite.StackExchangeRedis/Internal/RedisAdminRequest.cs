using System.Diagnostics;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>
/// One admin command waiting for the servers' answers: the sum of the counts so far, and a task that completes once as
/// many answers arrived as Redis said servers received the command. Thread-safe.
/// </summary>
/// <remarks>
/// One lock, <see cref="_lock"/>. Answers may arrive before the publish returned the number of receivers (the command
/// reaches this server's own subscription too), so the expected count is set later and checked on both sides.
/// Invariants (under the lock): <see cref="_answers"/> and <see cref="_sum"/> only grow; once <see cref="_expected"/>
/// is set (not -1), <see cref="_done"/> is complete exactly when <see cref="_answers"/> reached it.
/// </remarks>
internal sealed class RedisAdminRequest
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _expected = -1;
    private int _answers;
    private long _sum;

    /// <summary>Completes when every server that received the command answered.</summary>
    public Task AllAnswered => _done.Task;

    public void Answer(int count)
    {
        lock (_lock)
        {
            _answers++;
            _sum += count;
            CompleteIfDone();
            AssertInvariants();
        }
    }

    /// <summary>How many servers received the command (PUBLISH's answer).</summary>
    public void Expect(long servers)
    {
        lock (_lock)
        {
            _expected = servers;
            CompleteIfDone();
            AssertInvariants();
        }
    }

    /// <summary>The answers so far and the sum of their counts.</summary>
    public (int Answers, int Sum) Result
    {
        get
        {
            lock (_lock)
            {
                return (_answers, (int)Math.Min(_sum, int.MaxValue));
            }
        }
    }

    private void CompleteIfDone()
    {
        if (_expected >= 0 && _answers >= _expected)
        {
            _done.TrySetResult();
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        Debug.Assert(_answers >= 0 && _sum >= 0);
        Debug.Assert(_expected < 0 || _done.Task.IsCompleted == (_answers >= _expected));
    }
}
