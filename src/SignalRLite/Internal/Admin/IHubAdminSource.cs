namespace SignalRLite.Internal.Admin;

/// <summary>A lifetime manager that can hand the admin API the connections it holds on this server.</summary>
internal interface IHubAdminSource
{
    /// <summary>The connection, if it is on this server.</summary>
    HubConnectionContext? FindConnection(string connectionId);

    /// <summary>The user's connections on this server (a copy).</summary>
    IReadOnlyList<HubConnectionContext> UserConnections(string userId);

    /// <summary>The group's connections on this server (a copy).</summary>
    IReadOnlyList<HubConnectionContext> GroupConnections(string groupName);

    /// <summary>The groups the connection is in (a copy).</summary>
    IReadOnlyList<string> ConnectionGroups(string connectionId);
}
