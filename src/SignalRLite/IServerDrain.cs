namespace SignalRLite;

/// <summary>
/// Drains this server (SignalRLite; see <c>AddGracefulDrain</c>): it stops taking new connections (503 with
/// Retry-After), lets in-flight invocations and streams finish up to a deadline, then closes the remaining connections
/// of every hub with <c>allowReconnect: true</c> at a paced rate, so that clients with automatic reconnect move to other
/// servers without a thundering herd.
/// </summary>
public interface IServerDrain
{
    /// <summary>Whether a drain has started (it cannot be undone: drain before you stop the server).</summary>
    bool IsDraining { get; }

    /// <summary>
    /// Drains; completes when every hub connection is closed. A second call waits for the same drain.
    /// <paramref name="cancellationToken"/> cuts the waiting and the pacing short: the rest is closed at once.
    /// </summary>
    Task DrainAsync(CancellationToken cancellationToken = default);
}
