namespace SignalRLite.Internal.Hubs;

/// <summary>The <see cref="IHubContext{THub}"/> singleton of a hub.</summary>
internal sealed class HubContext<THub> : IHubContext<THub>, IHubContext where THub : Hub
{
    public HubContext(HubLifetimeManager<THub> lifetimeManager, SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? metrics = null, SignalRLite.Internal.Groups.UserGroups<THub>? userGroups = null)
    {
        Clients = new HubClients<THub>(lifetimeManager, metrics);
        Groups = new GroupManager<THub>(lifetimeManager, userGroups);
    }

    public IHubClients Clients { get; }

    public IGroupManager Groups { get; }
}

/// <summary>The <see cref="IHubContext{THub, T}"/> singleton of a strongly typed hub.</summary>
internal sealed class HubContext<THub, T> : IHubContext<THub, T> where THub : Hub<T> where T : class
{
    public HubContext(IHubContext<THub> context)
    {
        Clients = new TypedHubClients<T>(context.Clients);
        Groups = context.Groups;
    }

    public IHubClients<T> Clients { get; }

    public IGroupManager Groups { get; }
}
