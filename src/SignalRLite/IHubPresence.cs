namespace SignalRLite;

/// <summary>
/// Who is connected to a hub, and to which groups (SignalRLite; the official server has no equivalent). Resolve it from
/// DI after <c>AddHubPresence()</c>; it reads the lifetime manager's registry, so it sees what sends would reach.
/// </summary>
/// <remarks>
/// Counts are O(1). Lists are paged in ordinal order: pass the previous page's <see cref="HubPresencePage.ContinuationToken"/>
/// to get the next one. With the in-memory lifetime manager everything is exact for this server; a backplane's lifetime
/// manager that does not support presence makes <c>AddHubPresence()</c> fail at startup with a clear message.
/// </remarks>
/// <typeparam name="THub">The hub.</typeparam>
public interface IHubPresence<THub> where THub : Hub
{
    /// <summary>Connections of the hub.</summary>
    ValueTask<long> GetConnectionCountAsync(CancellationToken cancellationToken = default);

    /// <summary>Connections of the user (0 when offline).</summary>
    ValueTask<long> GetUserConnectionCountAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Connections in the group.</summary>
    ValueTask<long> GetGroupConnectionCountAsync(string groupName, CancellationToken cancellationToken = default);

    /// <summary>Users with at least one connection (connections without a user identifier are not users).</summary>
    ValueTask<long> GetUserCountAsync(CancellationToken cancellationToken = default);

    /// <summary>Users with at least one connection in the group.</summary>
    ValueTask<long> GetGroupUserCountAsync(string groupName, CancellationToken cancellationToken = default);

    /// <summary>Whether the user has at least one connection.</summary>
    ValueTask<bool> IsOnlineAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Connection IDs of the hub, a page at a time.</summary>
    ValueTask<HubPresencePage> GetConnectionsAsync(string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>Connection IDs of the user, a page at a time.</summary>
    ValueTask<HubPresencePage> GetUserConnectionsAsync(string userId, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>Connection IDs in the group, a page at a time.</summary>
    ValueTask<HubPresencePage> GetGroupConnectionsAsync(string groupName, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>User identifiers of the online users, a page at a time.</summary>
    ValueTask<HubPresencePage> GetUsersAsync(string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>User identifiers with a connection in the group, a page at a time.</summary>
    ValueTask<HubPresencePage> GetGroupUsersAsync(string groupName, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>Groups the connection is in, a page at a time.</summary>
    ValueTask<HubPresencePage> GetConnectionGroupsAsync(string connectionId, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>Groups any connection of the user is in, a page at a time.</summary>
    ValueTask<HubPresencePage> GetUserGroupsAsync(string userId, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// The presence events from now on, in the order they happened, each exactly once, until
    /// <paramref name="cancellationToken"/> is cancelled. A slow reader does not slow the hub: events queue for it.
    /// </summary>
    IAsyncEnumerable<HubPresenceEvent> WatchAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="callback"/> for each presence event from now on, one at a time, in order, until the returned
    /// object is disposed. An exception of the callback is logged and the next event is delivered.
    /// </summary>
    IDisposable Subscribe(Func<HubPresenceEvent, CancellationToken, Task> callback);
}
