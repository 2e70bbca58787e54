using SignalRLite.Protocol;

namespace SignalRLite;

/// <summary>
/// Closing a connection from outside its hub with a reason and <c>allowReconnect</c> (a SignalRLite addition). What
/// <see cref="IHubAdmin{THub}"/> does for each connection it reaches; public so that a lifetime manager in another
/// package (the Redis backplane) can do the same for the connections it holds.
/// </summary>
public static class HubConnectionContextCloseExtensions
{
    /// <summary>
    /// Sends the client a Close message with <paramref name="reason"/> as its error (none when null) and
    /// <paramref name="allowReconnect"/>, then ends the connection as <see cref="HubConnectionContext.Abort"/> does.
    /// Returns false when the connection was already closing (nothing is sent then).
    /// </summary>
    public static bool Close(this HubConnectionContext connection, string? reason = null, bool allowReconnect = false)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.RequestClose(new CloseMessage(reason, allowReconnect));
    }
}
