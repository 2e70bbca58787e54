namespace SignalRLite.Internal.Hubs;

/// <summary>The clients of a hub relative to one calling connection; built once per connection, on first use.</summary>
/// <remarks>
/// <see cref="Caller"/>, <see cref="Others"/> and the one-id exclusion list behind them are created on first read too,
/// and published with a compare-exchange: concurrent invocations of the connection share this object, and each must see
/// one <c>Caller</c> (the same instance every time, as when they were built up front).
/// </remarks>
internal sealed class HubCallerClients : IHubCallerClients
{
    private readonly IHubClients _clients;
    private readonly string _connectionId;
    private string[]? _self;
    private ISingleClientProxy? _caller;
    private IClientProxy? _others;

    public HubCallerClients(IHubClients clients, string connectionId)
    {
        _clients = clients;
        _connectionId = connectionId;
    }

    public ISingleClientProxy Caller =>
        Volatile.Read(ref _caller) ?? Interlocked.CompareExchange(ref _caller, _clients.Client(_connectionId), null) ?? _caller!;

    IClientProxy IHubCallerClients<IClientProxy>.Caller => Caller;

    public IClientProxy Others =>
        Volatile.Read(ref _others) ?? Interlocked.CompareExchange(ref _others, _clients.AllExcept(Self), null) ?? _others!;

    private string[] Self =>
        Volatile.Read(ref _self) ?? Interlocked.CompareExchange(ref _self, [_connectionId], null) ?? _self!;

    public IClientProxy All => _clients.All;

    public IClientProxy OthersInGroup(string groupName) => _clients.GroupExcept(groupName, Self);

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
