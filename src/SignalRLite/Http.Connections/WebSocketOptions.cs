namespace SignalRLite.Http.Connections;

/// <summary>WebSockets transport options.</summary>
public class WebSocketOptions
{
    /// <summary>How long the server waits for the client's close frame after sending its own. 5 s by default.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Chooses the sub-protocol from those the client offered; none by default.</summary>
    public Func<IList<string>, string>? SubProtocolSelector { get; set; }
}
