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

    // Authentication refresh: the .NET 11 API (dotnet/aspnetcore#67226, #68676) on .NET 10. Described in docs/security.md.

    /// <summary>
    /// Maps <c>POST {hub}/refresh</c>, where a client replaces the user of its open connection with the one its new
    /// credentials authenticate, and reports the token lifetime in negotiate. Off by default: then neither exists, as
    /// on the official .NET 10 server. Pair it with <see cref="CloseOnAuthenticationExpiration"/> so that a connection
    /// that is not refreshed in time ends.
    /// </summary>
    public bool EnableAuthenticationRefresh { get; set; }

    /// <summary>
    /// With <see cref="EnableAuthenticationRefresh"/>: the furthest from now that an authentication expiry may lie (the
    /// ticket's own expiry when it is sooner), at connect and at each refresh, also for tickets without an expiry.
    /// <c>null</c> (default): the ticket's own expiry, or none. Must be greater than zero.
    /// </summary>
    public TimeSpan? MaximumAuthenticationExpiration
    {
        get => _maximumAuthenticationExpiration;
        set
        {
            if (value is { } v && v <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(value), v, "The maximum authentication expiration must be greater than zero.");
            }

            _maximumAuthenticationExpiration = value;
        }
    }

    private TimeSpan? _maximumAuthenticationExpiration;

    /// <summary>
    /// With <see cref="EnableAuthenticationRefresh"/>: called after a refresh request authenticated and passed the
    /// connection's identity check, before the connection's user is replaced. <c>false</c> (or an exception) rejects
    /// the refresh: 403 with an <c>error</c> body, and the connection keeps its current user.
    /// </summary>
    public Func<AuthenticationRefreshContext, Task<bool>>? OnAuthenticationRefresh { get; set; }
}
