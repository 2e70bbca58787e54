namespace SignalRLite;

/// <summary>Addresses connections from inside a hub method, relative to the caller.</summary>
public interface IHubCallerClients<T> : IHubClients<T>
{
    /// <summary>The calling connection.</summary>
    T Caller { get; }

    /// <summary>Every connection but the caller.</summary>
    T Others { get; }

    /// <summary>Every connection in a group but the caller.</summary>
    T OthersInGroup(string groupName);
}

/// <summary>Addresses connections from inside a hub method with <see cref="IClientProxy"/>.</summary>
public interface IHubCallerClients : IHubCallerClients<IClientProxy>, IHubClients
{
    /// <summary>The calling connection, which can also be asked for a result.</summary>
    new ISingleClientProxy Caller { get; }
}
