using Microsoft.AspNetCore.Authorization;

namespace SignalRLite.Http.Connections;

/// <summary>Per-endpoint options of the connection layer, set in <c>MapHub&lt;THub&gt;(path, o =&gt; ...)</c>. Names match the official options.</summary>
public class HttpConnectionDispatcherOptions
{
    /// <summary>Default for the two buffer sizes: 64 KB.</summary>
    public const long DefaultBufferSize = 64 * 1024;

    /// <summary>Authorization requirements of the endpoint, by default taken from <c>[Authorize]</c> on the hub.</summary>
    public IList<IAuthorizeData> AuthorizationData { get; } = new List<IAuthorizeData>();

    /// <summary>Transports the endpoint accepts. All by default.</summary>
    public HttpTransportType Transports { get; set; } = HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling;

    /// <summary>WebSockets options.</summary>
    public WebSocketOptions WebSockets { get; } = new();

    /// <summary>Long Polling options.</summary>
    public LongPollingOptions LongPolling { get; } = new();

    /// <summary>Bytes received from the client and not yet read by the application, buffered before the server stops reading the transport (backpressure; the API reference's wording). 0 = unlimited. 64 KB by default.</summary>
    public long TransportMaxBufferSize { get; set; } = DefaultBufferSize;

    /// <summary>Bytes written by the application and not yet sent, buffered before writes wait (backpressure). 0 = unlimited. 64 KB by default.</summary>
    public long ApplicationMaxBufferSize { get; set; } = DefaultBufferSize;

    /// <summary>The lowest negotiate version accepted. 0 by default.</summary>
    public int MinimumProtocolVersion { get; set; }

    /// <summary>Closes a connection when one send to the transport does not complete in this time. 10 s by default.</summary>
    public TimeSpan TransportSendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Closes a connection when its authentication expires. Off by default.</summary>
    public bool CloseOnAuthenticationExpiration { get; set; }

    /// <summary>Lets clients that ask for it use stateful reconnect. Off by default.</summary>
    public bool AllowStatefulReconnects { get; set; }
}
