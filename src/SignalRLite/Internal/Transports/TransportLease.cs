namespace SignalRLite.Internal.Transports;

/// <summary>
/// Ownership of one transport-side pipe end by one request (a WebSocket, an SSE stream, a poll, a POST).
/// <see cref="Released"/> completes when the owner lets go; <see cref="Cancellation"/> lets a newer poll end an older one.
/// </summary>
/// <remarks>
/// The task of <see cref="Released"/> is created on first read (only a close, a newer poll or a newer socket waits for
/// it), so a WebSocket lease held for the life of an idle connection carries none. Lock-free and safe because
/// <see cref="Release"/> and the getter each write their field with a full fence (Interlocked) before reading the
/// other's: if the releaser missed a source published by the getter, the getter sees the release and completes the
/// source itself; completing it twice is harmless (TrySetResult).
/// </remarks>
internal sealed class TransportLease
{
    private TaskCompletionSource? _released; // created on first read of Released
    private int _isReleased; // 1 once Release ran (Interlocked)

    public TransportLease(CancellationTokenSource? cancellation = null)
    {
        Cancellation = cancellation;
    }

    public CancellationTokenSource? Cancellation { get; }

    /// <summary>
    /// Set (under the connection's lock, before <see cref="Cancellation"/> is cancelled) when a newer poll took over.
    /// The older poll reads it after seeing its token cancelled; volatile so that read needs no lock.
    /// </summary>
    public bool Superseded
    {
        get => _superseded;
        set => _superseded = value;
    }

    private volatile bool _superseded;

    public Task Released
    {
        get
        {
            if (Volatile.Read(ref _released) is { } existing)
            {
                return existing.Task;
            }

            if (Volatile.Read(ref _isReleased) != 0)
            {
                return Task.CompletedTask;
            }

            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref _released, created, null) is { } winner)
            {
                return winner.Task;
            }

            if (Volatile.Read(ref _isReleased) != 0)
            {
                created.TrySetResult();
            }

            return created.Task;
        }
    }

    /// <summary>Test hook: whether anyone has asked for <see cref="Released"/> (which creates its task).</summary>
    internal bool ReleasedTaskCreated => Volatile.Read(ref _released) is not null;

    public void Release()
    {
        // Full fence before reading the source: see the remarks for why a source published meanwhile is not missed.
        Interlocked.Exchange(ref _isReleased, 1);
        Volatile.Read(ref _released)?.TrySetResult();
    }
}
