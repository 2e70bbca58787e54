namespace SignalRLite.Internal.Hubs;

/// <summary>The <c>IHubCallerClients&lt;T&gt;</c> of a strongly typed hub: the selections of every client, plus the caller's.</summary>
internal sealed class TypedHubCallerClients<T> : TypedHubClients<T>, IHubCallerClients<T> where T : class
{
    private readonly IHubCallerClients _callerClients;

    public TypedHubCallerClients(IHubCallerClients clients)
        : base(clients)
    {
        _callerClients = clients;
    }

    public T Caller => TypedClientProxy<T>.Create(_callerClients.Caller);

    public T Others => TypedClientProxy<T>.Create(_callerClients.Others);

    public T OthersInGroup(string groupName) => TypedClientProxy<T>.Create(_callerClients.OthersInGroup(groupName));
}
