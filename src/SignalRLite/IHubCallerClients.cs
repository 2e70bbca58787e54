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
/// <remarks>
/// The two members that return <see cref="ISingleClientProxy"/> have default bodies that throw, so that an
/// implementation written before client results existed still compiles; SignalRLite's own implementation overrides
/// both.
/// </remarks>
public interface IHubCallerClients : IHubCallerClients<IClientProxy>
{
    /// <summary>The calling connection, which can also be asked for a result.</summary>
    new ISingleClientProxy Caller => throw new NotImplementedException($"{GetType()} does not implement {nameof(IHubCallerClients)}.{nameof(Caller)} with client results.");

    /// <summary>One connection, which can also be asked for a result.</summary>
    new ISingleClientProxy Client(string connectionId) => throw new NotImplementedException($"{GetType()} does not implement {nameof(IHubCallerClients)}.{nameof(Client)} with client results.");
}
