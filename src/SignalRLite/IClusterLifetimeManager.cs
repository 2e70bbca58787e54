namespace SignalRLite;

/// <summary>
/// Presence and durable, user-bound groups across every server of a lifetime manager that spans several (SignalRLite; see
/// docs/presence.md): registered as a service by such a backplane (the Redis one registers it). <c>AddHubPresence()</c>
/// and <c>AddDurableGroups()</c> use it when the lifetime manager is not the in-memory one; applications do not call it.
/// </summary>
/// <typeparam name="THub">The hub.</typeparam>
public interface IClusterLifetimeManager<THub> where THub : Hub
{
    /// <summary>Starts keeping the hub's presence for the whole cluster (on the first call; later calls return the same) and returns it.</summary>
    IHubPresence<THub> EnablePresence();

    /// <summary>
    /// Starts applying the memberships of <paramref name="store"/> to this server's connections: each connection of a
    /// user joins the user's groups as it arrives, before the hub's <c>OnConnectedAsync</c>. Called once.
    /// </summary>
    void EnableUserGroups(IUserGroupStore store);

    /// <summary>
    /// The store's membership of the user in the group changed (added, removed or run out): makes every connection of
    /// the user, on every server, match the store. Completes when each server holding one has done so.
    /// </summary>
    Task ApplyUserGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default);
}
