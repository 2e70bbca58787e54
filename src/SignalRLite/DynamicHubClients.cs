using SignalRLite.Internal.Hubs;

namespace SignalRLite;

/// <summary>
/// The targets of <see cref="IHubCallerClients"/> as <see langword="dynamic"/> proxies: any method called on one is sent
/// to its connections (<c>Clients.Caller.Notify("x")</c>), and the call returns the send's <see cref="Task"/>.
/// </summary>
public class DynamicHubClients
{
    private readonly IHubCallerClients _clients;

    /// <summary>Wraps the caller-relative clients of a hub invocation.</summary>
    public DynamicHubClients(IHubCallerClients clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        _clients = clients;
    }

    /// <summary>Every connection.</summary>
    public dynamic All => new DynamicClientProxy(_clients.All);

    /// <summary>Every connection but the listed ones.</summary>
    public dynamic AllExcept(IReadOnlyList<string> excludedConnectionIds) => new DynamicClientProxy(_clients.AllExcept(excludedConnectionIds));

    /// <summary>The calling connection.</summary>
    public dynamic Caller => new DynamicClientProxy(_clients.Caller);

    /// <summary>One connection.</summary>
    public dynamic Client(string connectionId) => new DynamicClientProxy(_clients.Client(connectionId));

    /// <summary>The listed connections.</summary>
    public dynamic Clients(IReadOnlyList<string> connectionIds) => new DynamicClientProxy(_clients.Clients(connectionIds));

    /// <summary>Every connection in a group.</summary>
    public dynamic Group(string groupName) => new DynamicClientProxy(_clients.Group(groupName));

    /// <summary>Every connection in a group but the listed ones.</summary>
    public dynamic GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) =>
        new DynamicClientProxy(_clients.GroupExcept(groupName, excludedConnectionIds));

    /// <summary>Every connection in any of the listed groups.</summary>
    public dynamic Groups(IReadOnlyList<string> groupNames) => new DynamicClientProxy(_clients.Groups(groupNames));

    /// <summary>Every connection but the caller.</summary>
    public dynamic Others => new DynamicClientProxy(_clients.Others);

    /// <summary>Every connection in a group but the caller.</summary>
    public dynamic OthersInGroup(string groupName) => new DynamicClientProxy(_clients.OthersInGroup(groupName));

    /// <summary>Every connection of a user.</summary>
    public dynamic User(string userId) => new DynamicClientProxy(_clients.User(userId));

    /// <summary>Every connection of the listed users.</summary>
    public dynamic Users(IReadOnlyList<string> userIds) => new DynamicClientProxy(_clients.Users(userIds));
}
