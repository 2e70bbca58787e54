namespace SignalRLite;

/// <summary>
/// Holds a hub's connection, group and user registries and delivers messages to them.
/// The default keeps them in memory; a backplane (Redis) replaces it to span servers.
/// Implementations must be thread-safe.
/// </summary>
public abstract class HubLifetimeManager<THub> where THub : Hub
{
    /// <summary>Registers a connection after its handshake.</summary>
    public abstract Task OnConnectedAsync(HubConnectionContext connection);

    /// <summary>Unregisters a connection, removing it from its groups.</summary>
    public abstract Task OnDisconnectedAsync(HubConnectionContext connection);

    /// <summary>Sends to every connection.</summary>
    public abstract Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default);

    /// <summary>Sends to every connection but those listed.</summary>
    public abstract Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default);

    /// <summary>Sends to one connection.</summary>
    public abstract Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default);

    /// <summary>Sends to the listed connections.</summary>
    public abstract Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default);

    /// <summary>Sends to a group.</summary>
    public abstract Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default);

    /// <summary>Sends to the listed groups.</summary>
    public abstract Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default);

    /// <summary>Sends to a group but the listed connections.</summary>
    public abstract Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default);

    /// <summary>Sends to every connection of a user.</summary>
    public abstract Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default);

    /// <summary>Sends to every connection of the listed users.</summary>
    public abstract Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default);

    /// <summary>Adds a connection to a group.</summary>
    public abstract Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default);

    /// <summary>Removes a connection from a group.</summary>
    public abstract Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default);

    /// <summary>Invokes a method on one connection and waits for its result (client results).</summary>
    public virtual Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        throw new NotImplementedException($"{GetType().Name} does not support client results.");

    /// <summary>Completes a pending client result with the client's Completion.</summary>
    public virtual Task SetConnectionResultAsync(string connectionId, Protocol.CompletionMessage result) =>
        throw new NotImplementedException($"{GetType().Name} does not support client results.");

    /// <summary>The expected result type of a pending client result, for binding the client's Completion.</summary>
    public virtual bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type)
    {
        type = null;
        return false;
    }
}
