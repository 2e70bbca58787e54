namespace SignalRLite.Internal.Hubs;

/// <summary>The <see cref="IHubClients"/> of a hub, shared by every caller.</summary>
internal sealed class HubClients<THub> : IHubClients where THub : Hub
{
    private readonly HubLifetimeManager<THub> _manager;
    private readonly SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? _metrics;

    public HubClients(HubLifetimeManager<THub> manager, SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? metrics = null)
    {
        _manager = manager;
        _metrics = metrics;
        All = new HubClientProxy<THub>(manager, HubClientSelection.All, metrics: metrics);
    }

    public IClientProxy All { get; }

    public IClientProxy AllExcept(IReadOnlyList<string> excludedConnectionIds) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.AllExcept, names: excludedConnectionIds, metrics: _metrics);

    public ISingleClientProxy Client(string connectionId) => new SingleClientProxy<THub>(_manager, connectionId, _metrics);

    IClientProxy IHubClients<IClientProxy>.Client(string connectionId) => Client(connectionId);

    public IClientProxy Clients(IReadOnlyList<string> connectionIds) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.Connections, names: connectionIds, metrics: _metrics);

    public IClientProxy Group(string groupName) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.Group, name: groupName, metrics: _metrics);

    public IClientProxy Groups(IReadOnlyList<string> groupNames) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.Groups, names: groupNames, metrics: _metrics);

    public IClientProxy GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.GroupExcept, groupName, excludedConnectionIds, metrics: _metrics);

    public IClientProxy User(string userId) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.User, name: userId, metrics: _metrics);

    public IClientProxy Users(IReadOnlyList<string> userIds) =>
        new HubClientProxy<THub>(_manager, HubClientSelection.Users, names: userIds, metrics: _metrics);
}
