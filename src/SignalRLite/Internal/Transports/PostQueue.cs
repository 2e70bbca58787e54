using System.Diagnostics;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Serialises the HTTP POSTs of one connection (the send channel of SSE and Long Polling): one POST at a time copies
/// its body into the input pipe; a POST that arrives meanwhile waits for its turn (in arrival order), as the official
/// server does, instead of being refused.
/// </summary>
/// <remarks>
/// Invariants (checked by <see cref="AssertInvariants"/>):
/// <list type="bullet">
/// <item><c>0 ≤ _waiting ≤ <see cref="MaxWaiting"/></c>: POSTs blocked in <see cref="EnterAsync"/>, counted under <see cref="_lock"/>.</item>
/// <item>At most one POST is inside (between a successful <see cref="EnterAsync"/> and its <see cref="Exit"/>): the gate
/// is a semaphore of one; <c>_inside</c> mirrors it.</item>
/// </list>
/// What bounds the queue: at most <see cref="MaxWaiting"/> POSTs wait per connection (more get <c>409</c> at once); each
/// one waits only while its request is alive and the connection open (the caller's token links both); and the POST
/// inside is bounded by Kestrel's minimum request body data rate, so a stalled body cannot hold the others forever.
/// A waiting POST has not read its body, so it holds no pipe memory. The official clients send one POST at a time.
/// </remarks>
internal sealed class PostQueue
{
    /// <summary>POSTs that may wait behind the one in progress; the next one is refused with 409.</summary>
    public const int MaxWaiting = 16;

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _waiting;
    private bool _inside;

    /// <summary>POSTs currently waiting for their turn.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting;
            }
        }
    }

    /// <summary>
    /// Waits for this POST's turn. False when <see cref="MaxWaiting"/> POSTs already wait. Throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires first (the request was
    /// aborted or the connection closes); the POST then never entered. A true result must be paired with <see cref="Exit"/>.
    /// </summary>
    public async ValueTask<bool> EnterAsync(CancellationToken cancellationToken)
    {
        if (_gate.Wait(0))
        {
            SetInside(true);
            return true;
        }

        lock (_lock)
        {
            if (_waiting == MaxWaiting)
            {
                return false;
            }

            _waiting++;
            AssertInvariants();
        }

        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _waiting--;
                AssertInvariants();
            }
        }

        SetInside(true);
        return true;
    }

    /// <summary>The POST inside is done; the next waiting one (if any) goes in.</summary>
    public void Exit()
    {
        SetInside(false);
        _gate.Release();
    }

    private void SetInside(bool inside)
    {
        lock (_lock)
        {
            Debug.Assert(_inside != inside, "Enter and Exit must alternate.");
            _inside = inside;
            AssertInvariants();
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_waiting is >= 0 and <= MaxWaiting, "The waiting count stays within its bound.");
        Debug.Assert(!_inside || _gate.CurrentCount == 0, "A POST inside holds the gate.");
    }
}
