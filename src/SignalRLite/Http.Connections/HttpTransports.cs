namespace SignalRLite.Http.Connections;

/// <summary>Transport sets.</summary>
public static class HttpTransports
{
    /// <summary>Every transport: WebSockets, Server-Sent Events and Long Polling.</summary>
    public static readonly HttpTransportType All = HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling;
}
