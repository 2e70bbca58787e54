namespace SignalRLite.Internal.Hubs;

internal sealed class GroupManager<THub> : IGroupManager, SignalRLite.Internal.Groups.IUserGroupsProvider where THub : Hub
{
    private readonly HubLifetimeManager<THub> _manager;

    public GroupManager(HubLifetimeManager<THub> manager, SignalRLite.Internal.Groups.IUserGroups? userGroups = null)
    {
        _manager = manager;
        UserGroups = userGroups;
    }

    /// <summary>The hub's durable groups, when <c>AddDurableGroups()</c> registered them.</summary>
    public SignalRLite.Internal.Groups.IUserGroups? UserGroups { get; }

    public Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _manager.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _manager.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
}
