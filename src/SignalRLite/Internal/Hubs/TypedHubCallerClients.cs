namespace SignalRLite.Internal.Hubs;

internal sealed class TypedHubCallerClients<T> : IHubCallerClients<T> where T : class
{
    private readonly IHubCallerClients _clients;

    public TypedHubCallerClients(IHubCallerClients clients)
    {
        _clients = clients;
    }

    public T Caller => TypedClientProxy<T>.Create(_clients.Caller);

    public T Others => TypedClientProxy<T>.Create(_clients.Others);

    public T All => TypedClientProxy<T>.Create(_clients.All);

    public T OthersInGroup(string groupName) => TypedClientProxy<T>.Create(_clients.OthersInGroup(groupName));

    public T AllExcept(IReadOnlyList<string> excludedConnectionIds) => TypedClientProxy<T>.Create(_clients.AllExcept(excludedConnectionIds));

    public T Client(string connectionId) => TypedClientProxy<T>.Create(_clients.Client(connectionId));

    public T Clients(IReadOnlyList<string> connectionIds) => TypedClientProxy<T>.Create(_clients.Clients(connectionIds));

    public T Group(string groupName) => TypedClientProxy<T>.Create(_clients.Group(groupName));

    public T Groups(IReadOnlyList<string> groupNames) => TypedClientProxy<T>.Create(_clients.Groups(groupNames));

    public T GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => TypedClientProxy<T>.Create(_clients.GroupExcept(groupName, excludedConnectionIds));

    public T User(string userId) => TypedClientProxy<T>.Create(_clients.User(userId));

    public T Users(IReadOnlyList<string> userIds) => TypedClientProxy<T>.Create(_clients.Users(userIds));
}
