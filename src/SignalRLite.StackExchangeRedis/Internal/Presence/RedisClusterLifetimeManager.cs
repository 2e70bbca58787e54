namespace SignalRLite.StackExchangeRedis.Internal.Presence;

/// <summary>
/// The core's way in to the Redis manager's presence and durable groups (<see cref="IClusterLifetimeManager{THub}"/>,
/// registered by <c>AddStackExchangeRedis()</c>): a service of its own rather than an interface on
/// <see cref="RedisHubLifetimeManager{THub}"/>, whose public declaration stays the official one.
/// </summary>
internal sealed class RedisClusterLifetimeManager<THub>(HubLifetimeManager<THub> manager) : IClusterLifetimeManager<THub> where THub : Hub
{
    public IHubPresence<THub> EnablePresence() => Redis.EnablePresence();

    public void EnableUserGroups(IUserGroupStore store) => Redis.EnableUserGroups(store);

    public Task ApplyUserGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default) =>
        Redis.ApplyUserGroupAsync(userId, groupName, cancellationToken);

    private RedisHubLifetimeManager<THub> Redis => manager as RedisHubLifetimeManager<THub> ?? throw new InvalidOperationException(
        $"Cluster presence and durable groups of the Redis backplane need its lifetime manager; {manager.GetType().Name} replaced it.");
}
