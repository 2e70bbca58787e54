namespace SignalRLite.Internal.Hubs;

internal sealed class GroupManager<THub> : IGroupManager where THub : Hub
{
    private readonly HubLifetimeManager<THub> _manager;

    public GroupManager(HubLifetimeManager<THub> manager)
    {
        _manager = manager;
    }

    public Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _manager.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _manager.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
}
