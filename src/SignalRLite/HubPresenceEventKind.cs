namespace SignalRLite;

/// <summary>What a <see cref="HubPresenceEvent"/> reports.</summary>
public enum HubPresenceEventKind
{
    /// <summary>A connection joined the hub (after its handshake, before <c>OnConnectedAsync</c> returns).</summary>
    ConnectionConnected,

    /// <summary>A connection left the hub.</summary>
    ConnectionDisconnected,

    /// <summary>A user's first connection arrived.</summary>
    UserOnline,

    /// <summary>A user's last connection left.</summary>
    UserOffline,

    /// <summary>A connection was added to a group it was not in.</summary>
    GroupJoined,

    /// <summary>A connection left a group: removed, or disconnected while in it.</summary>
    GroupLeft,
}
