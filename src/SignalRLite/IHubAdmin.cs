namespace SignalRLite;

/// <summary>
/// Closes or regroups connections of a hub from anywhere (a controller, a background service), a SignalRLite addition
/// (the official server can only close a connection from inside its own hub method). Injectable once
/// <c>AddSignalRLite()</c> is called. Each operation tells how many connections it reached.
/// </summary>
/// <remarks>
/// A close sends the client a Close message with <c>reason</c> as its error (none when null) and
/// <c>allowReconnect</c> as given, then ends the connection as <c>Context.Abort()</c> does. With the in-memory lifetime
/// manager the connections of this server are reached; with the Redis backplane (<c>AddStackExchangeRedis</c>) those of
/// every server of the hub, and the count is the cluster-wide sum of the servers' answers (a server that does not
/// answer within a bounded wait is left out; docs/operations.md). Other lifetime managers throw
/// <see cref="NotSupportedException"/>.
/// </remarks>
/// <typeparam name="THub">The hub.</typeparam>
public interface IHubAdmin<THub> where THub : Hub
{
    /// <summary>Closes one connection; 1 when it was found and not already closing, else 0.</summary>
    Task<int> CloseConnectionAsync(string connectionId, string? reason = null, bool allowReconnect = false, CancellationToken cancellationToken = default);

    /// <summary>Closes every connection of the user.</summary>
    Task<int> CloseUserAsync(string userId, string? reason = null, bool allowReconnect = false, CancellationToken cancellationToken = default);

    /// <summary>Closes every connection in the group.</summary>
    Task<int> CloseGroupAsync(string groupName, string? reason = null, bool allowReconnect = false, CancellationToken cancellationToken = default);

    /// <summary>Takes every connection of the user out of the group (connection groups); how many were in it.</summary>
    Task<int> RemoveUserConnectionsFromGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default);

    /// <summary>Takes the connection out of every group it is in; how many groups it left.</summary>
    Task<int> RemoveConnectionFromAllGroupsAsync(string connectionId, CancellationToken cancellationToken = default);
}
