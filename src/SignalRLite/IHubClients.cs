namespace SignalRLite;

/// <summary>Addresses connections of a hub.</summary>
public interface IHubClients<T>
{
    /// <summary>Every connection.</summary>
    T All { get; }

    /// <summary>Every connection but those listed.</summary>
    T AllExcept(IReadOnlyList<string> excludedConnectionIds);

    /// <summary>One connection.</summary>
    T Client(string connectionId);

    /// <summary>The listed connections.</summary>
    T Clients(IReadOnlyList<string> connectionIds);

    /// <summary>Every connection in a group.</summary>
    T Group(string groupName);

    /// <summary>Every connection in any of the groups.</summary>
    T Groups(IReadOnlyList<string> groupNames);

    /// <summary>Every connection in a group but those listed.</summary>
    T GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds);

    /// <summary>Every connection of a user.</summary>
    T User(string userId);

    /// <summary>Every connection of the listed users.</summary>
    T Users(IReadOnlyList<string> userIds);
}

/// <summary>Addresses connections of a hub with <see cref="IClientProxy"/>.</summary>
/// <remarks>
/// <see cref="Client(string)"/> has a default body that throws, so that an implementation written before client
/// results existed still compiles; SignalRLite's own implementation overrides it.
/// </remarks>
public interface IHubClients : IHubClients<IClientProxy>
{
    /// <summary>One connection, which can also be asked for a result.</summary>
    new ISingleClientProxy Client(string connectionId) => throw new NotImplementedException($"{GetType()} does not implement {nameof(IHubClients)}.{nameof(Client)} with client results.");
}
