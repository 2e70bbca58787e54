using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SignalRLite.Internal.Hubs;
using SignalRLite.Protocol;

namespace SignalRLite;

/// <summary>
/// The in-memory <see cref="HubLifetimeManager{THub}"/>: connections, groups and users of one server. Thread-safe.
/// </summary>
/// <remarks>
/// Each send wraps its message in one <see cref="SerializedHubMessage"/>, so it is serialised once per protocol in
/// use, however many connections receive it. Writes to all targets are started before any is awaited.
/// </remarks>
public class DefaultHubLifetimeManager<THub> : HubLifetimeManager<THub> where THub : Hub
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HashSet<string>> _connectionGroups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IPendingClientResult> _pendingResults = new(StringComparer.Ordinal);
    private readonly Lock _membershipLock = new();
    private readonly ILogger _logger;
    private long _lastInvocationId;

    /// <summary>Creates the manager.</summary>
    public DefaultHubLifetimeManager(ILogger<DefaultHubLifetimeManager<THub>> logger)
    {
        _logger = logger;
    }

    /// <inheritdoc />
    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        _connections[connection.ConnectionId] = connection;
        if (connection.UserIdentifier is { } user)
        {
            lock (_membershipLock)
            {
                _users.GetOrAdd(user, static _ => new(StringComparer.Ordinal))[connection.ConnectionId] = connection;
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        var id = connection.ConnectionId;
        _connections.TryRemove(id, out _);
        lock (_membershipLock)
        {
            if (_connectionGroups.TryRemove(id, out var groups))
            {
                foreach (var group in groups)
                {
                    RemoveMember(_groups, group, id);
                }
            }

            if (connection.UserIdentifier is { } user)
            {
                RemoveMember(_users, user, id);
            }
        }

        foreach (var pending in _pendingResults)
        {
            if (pending.Value.ConnectionId == id && _pendingResults.TryRemove(pending.Key, out var result))
            {
                result.SetException(new IOException($"Connection '{id}' disconnected."));
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        if (!_connections.TryGetValue(connectionId, out var connection))
        {
            // Not on this server (or gone): nothing to do, as with the official in-memory manager.
            return Task.CompletedTask;
        }

        lock (_membershipLock)
        {
            if (!_connections.ContainsKey(connectionId))
            {
                return Task.CompletedTask;
            }

            _groups.GetOrAdd(groupName, static _ => new(StringComparer.Ordinal))[connectionId] = connection;
            _connectionGroups.GetOrAdd(connectionId, static _ => new(StringComparer.Ordinal)).Add(groupName);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        lock (_membershipLock)
        {
            RemoveMember(_groups, groupName, connectionId);
            if (_connectionGroups.TryGetValue(connectionId, out var groups))
            {
                groups.Remove(groupName);
            }
        }

        return Task.CompletedTask;
    }

    // Caller holds _membershipLock: empty sets are removed so that group and user names do not leak.
    private static void RemoveMember(ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> sets, string key, string connectionId)
    {
        if (sets.TryGetValue(key, out var members) && members.TryRemove(connectionId, out _) && members.IsEmpty)
        {
            sets.TryRemove(key, out _);
        }
    }

    /// <inheritdoc />
    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendToAsync(_connections, Create(methodName, args), null, cancellationToken);

    /// <inheritdoc />
    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        SendToAsync(_connections, Create(methodName, args), excludedConnectionIds, cancellationToken);

    /// <inheritdoc />
    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        return _connections.TryGetValue(connectionId, out var connection)
            ? connection.WriteAsync(new InvocationMessage(methodName, args), cancellationToken).AsTask()
            : Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var message = Create(methodName, args);
        var pending = new FanOutWrites();
        foreach (var id in connectionIds)
        {
            if (_connections.TryGetValue(id, out var connection))
            {
                pending.Add(connection, connection.WriteFanOut(message, cancellationToken));
            }
        }

        return pending.WhenAll();
    }

    /// <inheritdoc />
    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return _groups.TryGetValue(groupName, out var members)
            ? SendToAsync(members, Create(methodName, args), null, cancellationToken)
            : Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendToSetsAsync(_groups, groupNames, Create(methodName, args), cancellationToken);

    /// <inheritdoc />
    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return _groups.TryGetValue(groupName, out var members)
            ? SendToAsync(members, Create(methodName, args), excludedConnectionIds, cancellationToken)
            : Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return _users.TryGetValue(userId, out var members)
            ? SendToAsync(members, Create(methodName, args), null, cancellationToken)
            : Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendToSetsAsync(_users, userIds, Create(methodName, args), cancellationToken);

    /// <inheritdoc />
    public override async Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        if (!_connections.TryGetValue(connectionId, out var connection))
        {
            throw new IOException($"Connection '{connectionId}' does not exist.");
        }

        var invocationId = Interlocked.Increment(ref _lastInvocationId).ToString(CultureInfo.InvariantCulture);
        var pending = new PendingClientResult<T>(connectionId);
        _pendingResults[invocationId] = pending;
        try
        {
            using var cancelled = cancellationToken.Register(static s => ((IPendingClientResult)s!).SetCanceled(), pending);
            // Outcomes as the official server reports them (observed): a HubException for the token, an IOException
            // naming the connection for a disconnect. No CancelInvocation is sent to the client.
            using var disconnected = connection.ConnectionAborted.Register(
                static s => ((IPendingClientResult)s!).SetException(new IOException($"Connection '{((IPendingClientResult)s!).ConnectionId}' disconnected.")),
                pending);
            await connection.WriteAsync(new InvocationMessage(invocationId, methodName, args), cancellationToken).ConfigureAwait(false);
            return await pending.Task.ConfigureAwait(false);
        }
        finally
        {
            _pendingResults.TryRemove(invocationId, out _);
        }
    }

    /// <inheritdoc />
    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result)
    {
        if (result.InvocationId is { } id
            && _pendingResults.TryGetValue(id, out var pending)
            && pending.ConnectionId == connectionId
            && _pendingResults.TryRemove(id, out _))
        {
            pending.Complete(result);
        }
        else
        {
            HubLog.UnexpectedCompletion(_logger, result.InvocationId ?? "(null)", new InvalidOperationException("No pending client result."));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override bool TryGetReturnType(string invocationId, [NotNullWhen(true)] out Type? type)
    {
        if (_pendingResults.TryGetValue(invocationId, out var pending))
        {
            type = pending.ResultType;
            return true;
        }

        type = null;
        return false;
    }

    private static SerializedHubMessage Create(string methodName, object?[] args) => new(new InvocationMessage(methodName, args));

    private static Task SendToAsync(ConcurrentDictionary<string, HubConnectionContext> targets, SerializedHubMessage message, IReadOnlyList<string>? excluded, CancellationToken cancellationToken)
    {
        var pending = new FanOutWrites();
        foreach (var (id, connection) in targets)
        {
            if (excluded is null || !Contains(excluded, id))
            {
                pending.Add(connection, connection.WriteFanOut(message, cancellationToken));
            }
        }

        return pending.WhenAll();
    }

    private static Task SendToSetsAsync(ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> sets, IReadOnlyList<string> keys, SerializedHubMessage message, CancellationToken cancellationToken)
    {
        // A connection in several of the sets gets the message once.
        HashSet<string>? seen = keys.Count > 1 ? new(StringComparer.Ordinal) : null;
        var pending = new FanOutWrites();
        foreach (var key in keys)
        {
            if (key is null || !sets.TryGetValue(key, out var members))
            {
                continue;
            }

            foreach (var (id, connection) in members)
            {
                if (seen is null || seen.Add(id))
                {
                    pending.Add(connection, connection.WriteFanOut(message, cancellationToken));
                }
            }
        }

        return pending.WhenAll();
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
