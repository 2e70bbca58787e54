namespace SignalRLite.Internal.Transports;

/// <summary>
/// Ownership of one transport-side pipe end by one request (a WebSocket, an SSE stream, a poll, a POST).
/// <see cref="Released"/> completes when the owner lets go; <see cref="Cancellation"/> lets a newer poll end an older one.
/// </summary>
internal sealed class TransportLease
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    public Task Released => _released.Task;

    public void Release() => _released.TrySetResult();
}
