namespace SignalRLite.Internal.Hubs;

/// <summary>The <see cref="IHubClients"/> of a hub, shared by every caller.</summary>
internal sealed class HubClients<THub> : IHubClients where THub : Hub
{
    private readonly HubLifetimeManager<THub> _manager;

    public HubClients(HubLifetimeManager<THub> manager)
    {
        _manager = manager;
        All = new HubClientProxy<THub>(manager, HubClientSelection.All);
    }

    public IClientProxy All { get; }

    public IClientProxy AllExcept(IReadOnlyList<string> excludedConnectionIds) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.AllExcept, names: excludedConnectionIds);

    public ISingleClientProxy Client(string connectionId) => new SingleClientProxy<THub>(_manager, connectionId);

    IClientProxy IHubClients<IClientProxy>.Client(string connectionId) => Client(connectionId);

    public IClientProxy Clients(IReadOnlyList<string> connectionIds) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.Connections, names: connectionIds);

    public IClientProxy Group(string groupName) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.Group, name: groupName);

    public IClientProxy Groups(IReadOnlyList<string> groupNames) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.Groups, names: groupNames);

    public IClientProxy GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.GroupExcept, groupName, excludedConnectionIds);

    public IClientProxy User(string userId) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.User, name: userId);

    public IClientProxy Users(IReadOnlyList<string> userIds) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.Users, names: userIds);
}
