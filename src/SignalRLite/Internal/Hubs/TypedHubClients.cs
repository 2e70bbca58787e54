namespace SignalRLite.Internal.Hubs;

internal sealed class TypedHubClients<T> : IHubClients<T> where T : class
{
    private readonly IHubClients _clients;

    public TypedHubClients(IHubClients clients)
    {
        _clients = clients;
        All = TypedClientProxy<T>.Create(clients.All);
    }

    public T All { get; }

    public T AllExcept(IReadOnlyList<string> excludedConnectionIds) => TypedClientProxy<T>.Create(_clients.AllExcept(excludedConnectionIds));

    public T Client(string connectionId) => TypedClientProxy<T>.Create(_clients.Client(connectionId));

    public T Clients(IReadOnlyList<string> connectionIds) => TypedClientProxy<T>.Create(_clients.Clients(connectionIds));

    public T Group(string groupName) => TypedClientProxy<T>.Create(_clients.Group(groupName));

    public T Groups(IReadOnlyList<string> groupNames) => TypedClientProxy<T>.Create(_clients.Groups(groupNames));

    public T GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => TypedClientProxy<T>.Create(_clients.GroupExcept(groupName, excludedConnectionIds));

    public T User(string userId) => TypedClientProxy<T>.Create(_clients.User(userId));

    public T Users(IReadOnlyList<string> userIds) => TypedClientProxy<T>.Create(_clients.Users(userIds));
}
