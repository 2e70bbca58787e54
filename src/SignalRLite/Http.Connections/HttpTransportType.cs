namespace SignalRLite.Http.Connections;

/// <summary>The transports a hub endpoint accepts. Values match the official enumeration.</summary>
[Flags]
public enum HttpTransportType
{
    /// <summary>No transport.</summary>
    None = 0,
    /// <summary>WebSockets.</summary>
    WebSockets = 1,
    /// <summary>Server-Sent Events, with HTTP POST for client-to-server messages.</summary>
    ServerSentEvents = 2,
    /// <summary>Long Polling, with HTTP POST for client-to-server messages.</summary>
    LongPolling = 4,
}
