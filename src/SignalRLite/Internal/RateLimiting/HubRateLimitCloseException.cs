namespace SignalRLite.Internal.RateLimiting;

/// <summary>
/// Thrown by the dispatcher on the read loop when a policy with <see cref="HubRateLimitAction.Close"/> rejects an
/// invocation; the read loop (HubConnectionHandler) closes the connection with <see cref="Exception.Message"/> as the
/// Close message's error and <c>allowReconnect: false</c>.
/// </summary>
internal sealed class HubRateLimitCloseException(string policy)
    : Exception($"Connection closed with an error. Rate limit '{policy}' exceeded.")
{
    public string Policy { get; } = policy;
}
