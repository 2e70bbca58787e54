using Microsoft.Extensions.Logging;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>
/// <see cref="IHubAdmin{THub}"/> across the servers of a Redis backplane (registered by <c>AddStackExchangeRedis</c>
/// in place of the core's one-server admin): each operation is one command on the hub's admin channel, and the count
/// is the sum of the answering servers' local counts (see RedisHubLifetimeManager.Admin.cs).
/// </summary>
internal sealed class RedisHubAdmin<THub>(HubLifetimeManager<THub> manager, ILogger<RedisHubAdmin<THub>> logger) : IHubAdmin<THub> where THub : Hub
{
    public Task<int> CloseConnectionAsync(string connectionId, string? reason = null, bool allowReconnect = false, CancellationToken cancellationToken = default) =>
        RunAsync(new(RedisAdminOperation.CloseConnection, connectionId ?? throw new ArgumentNullException(nameof(connectionId)), null, reason, allowReconnect), "close", "connection", cancellationToken);

    public Task<int> CloseUserAsync(string userId, string? reason = null, bool allowReconnect = false, CancellationToken cancellationToken = default) =>
        RunAsync(new(RedisAdminOperation.CloseUser, userId ?? throw new ArgumentNullException(nameof(userId)), null, reason, allowReconnect), "close", "user", cancellationToken);

    public Task<int> CloseGroupAsync(string groupName, string? reason = null, bool allowReconnect = false, CancellationToken cancellationToken = default) =>
        RunAsync(new(RedisAdminOperation.CloseGroup, groupName ?? throw new ArgumentNullException(nameof(groupName)), null, reason, allowReconnect), "close", "group", cancellationToken);

    public Task<int> RemoveUserConnectionsFromGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(groupName);
        return RunAsync(new(RedisAdminOperation.RemoveUserFromGroup, userId, groupName), "remove from group " + groupName, "user", cancellationToken);
    }

    public Task<int> RemoveConnectionFromAllGroupsAsync(string connectionId, CancellationToken cancellationToken = default) =>
        RunAsync(new(RedisAdminOperation.RemoveConnectionFromAllGroups, connectionId ?? throw new ArgumentNullException(nameof(connectionId))), "remove from all groups", "connection", cancellationToken);

    private async Task<int> RunAsync(RedisAdminCommand command, string action, string kind, CancellationToken cancellationToken)
    {
        var redis = manager as RedisHubLifetimeManager<THub> ?? throw new NotSupportedException(
            $"AddStackExchangeRedis registered the Redis admin API, but the lifetime manager is {manager.GetType().Name}.");
        var (reached, servers, answered) = await redis.RunAdminCommandAsync(command, cancellationToken).ConfigureAwait(false);
        RedisAdminLog.AdminAction(logger, action, kind, command.Target, reached, answered, servers);
        return reached;
    }
}
