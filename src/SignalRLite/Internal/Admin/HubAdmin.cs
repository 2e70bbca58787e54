using Microsoft.Extensions.Logging;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Admin;

/// <summary><see cref="IHubAdmin{THub}"/> over the lifetime manager's registry of this server.</summary>
internal sealed partial class HubAdmin<THub>(HubLifetimeManager<THub> manager, ILogger<HubAdmin<THub>> logger) : IHubAdmin<THub> where THub : Hub
{
    public Task<int> CloseConnectionAsync(string connectionId, string? reason = null, bool allowReconnect = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        var connection = Source.TryGetConnection(connectionId, out var found) ? found : null;
        return Task.FromResult(connection is null ? 0 : Close([connection], "connection", connectionId, reason, allowReconnect));
    }

    public Task<int> CloseUserAsync(string userId, string? reason = null, bool allowReconnect = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return Task.FromResult(Close(Source.GetUserConnections(userId), "user", userId, reason, allowReconnect));
    }

    public Task<int> CloseGroupAsync(string groupName, string? reason = null, bool allowReconnect = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return Task.FromResult(Close(Source.GetGroupConnections(groupName), "group", groupName, reason, allowReconnect));
    }

    public async Task<int> RemoveUserConnectionsFromGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(groupName);
        var removed = 0;
        foreach (var connection in Source.GetUserConnections(userId))
        {
            if (Source.GetConnectionGroups(connection.ConnectionId).Contains(groupName, StringComparer.Ordinal))
            {
                await manager.RemoveFromGroupAsync(connection.ConnectionId, groupName, cancellationToken).ConfigureAwait(false);
                removed++;
            }
        }

        AdminAction(logger, "remove from group " + groupName, "user", userId, removed);
        return removed;
    }

    public async Task<int> RemoveConnectionFromAllGroupsAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        var groups = Source.GetConnectionGroups(connectionId);
        foreach (var group in groups)
        {
            await manager.RemoveFromGroupAsync(connectionId, group, cancellationToken).ConfigureAwait(false);
        }

        AdminAction(logger, "remove from all groups", "connection", connectionId, groups.Count);
        return groups.Count;
    }

    private SignalRLite.Internal.Hubs.HubConnectionRegistry Source => (manager as DefaultHubLifetimeManager<THub>)?.Registry ?? throw new NotSupportedException(
        $"The admin API needs the in-memory lifetime manager (DefaultHubLifetimeManager); {manager.GetType().Name} does not support it yet.");

    private int Close(IReadOnlyList<HubConnectionContext> connections, string kind, string name, string? reason, bool allowReconnect)
    {
        var close = new CloseMessage(reason, allowReconnect);
        var reached = 0;
        foreach (var connection in connections)
        {
            if (connection.RequestClose(close))
            {
                reached++;
            }
        }

        AdminAction(logger, "close", kind, name, reached);
        return reached;
    }

    [LoggerMessage(1, LogLevel.Information, "Admin: {Action} of {Kind} '{Name}' reached {Count} connection(s).", EventName = "AdminAction")]
    private static partial void AdminAction(ILogger logger, string action, string kind, string name, int count);
}
