namespace SignalRLite;

/// <summary>Hub options, set globally with <c>AddSignalRLite(o =&gt; ...)</c> or per hub with <c>AddHubOptions&lt;THub&gt;</c>. Names and defaults match the official options.</summary>
public class HubOptions
{
    /// <summary>Time a client has to send its handshake. 15 s by default.</summary>
    public TimeSpan? HandshakeTimeout { get; set; }

    /// <summary>The server sends a Ping when it has sent nothing for this long. 15 s by default.</summary>
    public TimeSpan? KeepAliveInterval { get; set; }

    /// <summary>The server closes a connection it has received nothing from for this long. 30 s by default.</summary>
    public TimeSpan? ClientTimeoutInterval { get; set; }

    /// <summary>Protocols the hub accepts; all registered by default.</summary>
    public IList<string>? SupportedProtocols { get; set; }

    /// <summary>Whether exception messages reach clients. False by default.</summary>
    public bool? EnableDetailedErrors { get; set; }

    /// <summary>Items buffered per upload stream before the server stops reading. 10 by default.</summary>
    public int? StreamBufferCapacity { get; set; }

    /// <summary>Largest incoming hub message in bytes; null = unlimited. 32 KB by default.</summary>
    public long? MaximumReceiveMessageSize { get; set; }

    /// <summary>Hub method invocations of one client that may run at once; further ones wait in order. 1 by default.</summary>
    public int MaximumParallelInvocationsPerClient { get; set; } = Internal.Hubs.HubOptionsDefaults.MaximumParallelInvocationsPerClient;

    /// <summary>When true, hub method parameters are bound from services only with <c>[FromServices]</c>.</summary>
    public bool DisableImplicitFromServicesParameters { get; set; }

    /// <summary>Bytes of unacknowledged messages buffered per connection for stateful reconnect. 100,000 by default.</summary>
    public long StatefulReconnectBufferSize { get; set; } = Internal.Hubs.HubOptionsDefaults.StatefulReconnectBufferSize;

    /// <summary>
    /// SignalRLite addition. Messages a send to many connections (All, AllExcept, groups, users, a list of
    /// connections) may queue for one client whose output buffer is full, so that a slow or stalled client does not
    /// hold up the sender and, through it, everyone else. The next one closes that client's connection (a slow
    /// consumer). 1,000 by default; <c>null</c> makes such sends wait for every client, as the official server does.
    /// Sends to one connection always wait for it.
    /// </summary>
    public int? MaximumQueuedMessagesPerClient { get; set; } = Internal.Hubs.HubOptionsDefaults.MaximumQueuedMessagesPerClient;

    /// <summary>
    /// SignalRLite addition. What an invocation of a method with <c>[Authorize]</c> meets once the connection's
    /// authentication has expired (the ticket's <c>ExpiresUtc</c>, moved by each authentication refresh).
    /// <see cref="ExpiredAuthorizationBehavior.Allow"/> by default: the method is authorized against the connection's
    /// current user whatever its expiry, as on the official server.
    /// </summary>
    public ExpiredAuthorizationBehavior ExpiredAuthorization { get; set; }

    internal List<IHubFilter>? HubFilters { get; set; }
}

/// <summary>Options of one hub type.</summary>
public class HubOptions<THub> : HubOptions where THub : Hub
{
    internal bool UserHasSetValues { get; set; }
}
