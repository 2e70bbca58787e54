namespace SignalRLite.Internal.Hubs;

/// <summary>The clients of a hub relative to one calling connection; built once per connection.</summary>
internal sealed class HubCallerClients : IHubCallerClients
{
    private readonly IHubClients _clients;
    private readonly string[] _self;

    public HubCallerClients(IHubClients clients, string connectionId)
    {
        _clients = clients;
        _self = [connectionId];
        Caller = clients.Client(connectionId);
        Others = clients.AllExcept(_self);
    }

    public ISingleClientProxy Caller { get; }

    IClientProxy IHubCallerClients<IClientProxy>.Caller => Caller;

    public IClientProxy Others { get; }

    public IClientProxy All => _clients.All;

    public IClientProxy OthersInGroup(string groupName) => _clients.GroupExcept(groupName, _self);

    public IClientProxy AllExcept(IReadOnlyList<string> excludedConnectionIds) => _clients.AllExcept(excludedConnectionIds);

    public ISingleClientProxy Client(string connectionId) => _clients.Client(connectionId);

    IClientProxy IHubClients<IClientProxy>.Client(string connectionId) => Client(connectionId);

    public IClientProxy Clients(IReadOnlyList<string> connectionIds) => _clients.Clients(connectionIds);

    public IClientProxy Group(string groupName) => _clients.Group(groupName);

    public IClientProxy Groups(IReadOnlyList<string> groupNames) => _clients.Groups(groupNames);

    public IClientProxy GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => _clients.GroupExcept(groupName, excludedConnectionIds);

    public IClientProxy User(string userId) => _clients.User(userId);

    public IClientProxy Users(IReadOnlyList<string> userIds) => _clients.Users(userIds);
}
