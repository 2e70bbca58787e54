using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using SignalRLite.Internal.Hubs;
using SignalRLite.Protocol;

namespace SignalRLite;

/// <summary>
/// The in-memory <see cref="HubLifetimeManager{THub}"/>: connections, groups and users of one server. Thread-safe.
/// </summary>
/// <remarks>
/// Each send wraps its message in one <see cref="SerializedHubMessage"/>, so it is serialised once per protocol in
/// use, however many connections receive it. Writes to all targets are started before any is awaited, with the
/// slow-consumer policy of <see cref="HubFanOut"/>.
/// </remarks>
public class DefaultHubLifetimeManager<THub> : HubLifetimeManager<THub> where THub : Hub
{
    // The state lives in the registry and the tracker, each thread-safe on its own; this class adds no state of its own.
    private readonly HubConnectionRegistry _registry = new();
    private readonly ClientResultTracker _results = new(invocationIdPrefix: "");
    private readonly ILogger _logger;

    /// <summary>Creates the manager.</summary>
    public DefaultHubLifetimeManager(ILogger<DefaultHubLifetimeManager<THub>> logger)
    {
        _logger = logger;
    }

    /// <inheritdoc />
    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        if (_registry.FanOutObserver is null && connection.Metrics is { } metrics)
        {
            // The hub layer sets the same instruments and hub name on every connection: the first one tells.
            var hub = connection.MetricsHubName;
            _registry.FanOutObserver = (target, reached) => metrics.FannedOut(hub, target, reached);
            metrics.GroupDirectory.Register(hub, _registry);
        }

        _registry.Add(connection);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _registry.Remove(connection);
        _results.FailConnection(connection.ConnectionId);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);

        // A connection not on this server (or gone): nothing to do, as with the official in-memory manager.
        _registry.AddToGroup(connectionId, groupName);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        _registry.RemoveFromGroup(connectionId, groupName);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _registry.SendAllAsync(Create(methodName, args), null, cancellationToken);

    /// <inheritdoc />
    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        _registry.SendAllAsync(Create(methodName, args), excludedConnectionIds, cancellationToken);

    /// <inheritdoc />
    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);

        // One target: the send waits for it, slow or stalled, as the official server's does.
        return _registry.TryGetConnection(connectionId, out var connection)
            ? connection.WriteAsync(new InvocationMessage(methodName, args), cancellationToken).AsTask()
            : Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _registry.SendConnectionsAsync(connectionIds, Create(methodName, args), cancellationToken);

    /// <inheritdoc />
    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return _registry.SendGroupAsync(groupName, Create(methodName, args), null, cancellationToken);
    }

    /// <inheritdoc />
    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _registry.SendGroupsAsync(groupNames, Create(methodName, args), cancellationToken);

    /// <inheritdoc />
    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return _registry.SendGroupAsync(groupName, Create(methodName, args), excludedConnectionIds, cancellationToken);
    }

    /// <inheritdoc />
    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return _registry.SendUserAsync(userId, Create(methodName, args), null, cancellationToken);
    }

    /// <inheritdoc />
    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _registry.SendUsersAsync(userIds, Create(methodName, args), cancellationToken);

    /// <inheritdoc />
    public override async Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        if (!_registry.TryGetConnection(connectionId, out var connection))
        {
            throw new IOException($"Connection '{connectionId}' does not exist.");
        }

        using var pending = _results.Add<T>(connectionId, cancellationToken);
        pending.FailWhenClosed(connection.ConnectionAborted);
        await connection.WriteAsync(new InvocationMessage(pending.InvocationId, methodName, args), cancellationToken).ConfigureAwait(false);
        return await pending.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result)
    {
        if (!_results.TryComplete(connectionId, result))
        {
            HubLog.UnexpectedCompletion(_logger, result.InvocationId ?? "(null)", new InvalidOperationException("No pending client result."));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override bool TryGetReturnType(string invocationId, [NotNullWhen(true)] out Type? type) => _results.TryGetResultType(invocationId, out type);

    /// <summary>
    /// This server's connections, groups and users: what presence, durable groups and the admin API read (they work with
    /// this manager, and with a class derived from it).
    /// </summary>
    internal HubConnectionRegistry Registry => _registry;

    private static SerializedHubMessage Create(string methodName, object?[] args) => new(new InvocationMessage(methodName, args));
}
