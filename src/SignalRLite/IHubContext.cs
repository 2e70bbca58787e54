namespace SignalRLite;

/// <summary>Reaches a hub's connections from outside the hub (an endpoint, a background service).</summary>
public interface IHubContext<out THub> where THub : Hub
{
    /// <summary>The hub's connections.</summary>
    IHubClients Clients { get; }

    /// <summary>The hub's groups.</summary>
    IGroupManager Groups { get; }
}

/// <summary>Reaches a strongly typed hub's connections from outside the hub.</summary>
public interface IHubContext<THub, T> where THub : Hub<T> where T : class
{
    /// <summary>The hub's connections.</summary>
    IHubClients<T> Clients { get; }

    /// <summary>The hub's groups.</summary>
    IGroupManager Groups { get; }
}

/// <summary>Reaches a hub's connections from outside the hub, without naming the hub type.</summary>
public interface IHubContext
{
    /// <summary>The hub's connections.</summary>
    IHubClients Clients { get; }

    /// <summary>The hub's groups.</summary>
    IGroupManager Groups { get; }
}
