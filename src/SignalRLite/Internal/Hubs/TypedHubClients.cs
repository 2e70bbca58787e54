namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The <c>IHubClients&lt;T&gt;</c> of a strongly typed hub or hub context: each selection of <see cref="IHubClients"/>
/// wrapped in a <typeparamref name="T"/> proxy. <see cref="TypedHubCallerClients{T}"/> adds the caller's selections.
/// </summary>
internal class TypedHubClients<T> : IHubClients<T> where T : class
{
    private readonly IHubClients<IClientProxy> _clients;
    private T? _all;

    public TypedHubClients(IHubClients<IClientProxy> clients) => _clients = clients;

    // Made once, on first read: a hub context's All is read for every broadcast. Two first readers may each make one;
    // either proxy is as good as the other (a proxy is stateless over the same selection).
    public T All => _all ??= TypedClientProxy<T>.Create(_clients.All);

    public T AllExcept(IReadOnlyList<string> excludedConnectionIds) => TypedClientProxy<T>.Create(_clients.AllExcept(excludedConnectionIds));

    public T Client(string connectionId) => TypedClientProxy<T>.Create(_clients.Client(connectionId));

    public T Clients(IReadOnlyList<string> connectionIds) => TypedClientProxy<T>.Create(_clients.Clients(connectionIds));

    public T Group(string groupName) => TypedClientProxy<T>.Create(_clients.Group(groupName));

    public T Groups(IReadOnlyList<string> groupNames) => TypedClientProxy<T>.Create(_clients.Groups(groupNames));

    public T GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => TypedClientProxy<T>.Create(_clients.GroupExcept(groupName, excludedConnectionIds));

    public T User(string userId) => TypedClientProxy<T>.Create(_clients.User(userId));

    public T Users(IReadOnlyList<string> userIds) => TypedClientProxy<T>.Create(_clients.Users(userIds));
}
