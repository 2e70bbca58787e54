namespace SignalRLite.Internal.Groups;

/// <summary>
/// The durable, user-bound groups of one hub: the store says which groups a user belongs to; this applies them to the
/// user's connections on this server, now (on add or remove) and as each connection arrives.
/// </summary>
/// <remarks>
/// One gate, <see cref="_gate"/>, serialises the three operations of the hub (add, remove, a connection's arrival), each
/// a store call then the matching group changes. Why that is enough: a connection is registered with the lifetime
/// manager before its arrival is handled here, so an add or remove that runs before the arrival is read from the store by
/// it, and one that runs after finds the connection registered and changes its groups itself. Without the gate a
/// remove could slip between an arrival's store read and its group joins and leave a stale membership. The gate is
/// held across the store's await (an async store's round trip), which bounds how fast users' connections arrive to the
/// store's speed; the in-memory store completes synchronously.
/// A membership with a time to live gets a one-shot timer on the injected <see cref="TimeProvider"/>; when it fires, the
/// store is asked again under the gate, and the user's connections leave the group only if the store no longer lists it
/// (so a later add, with or without a time to live, wins).
/// With a lifetime manager that spans servers (whose backplane registered an <see cref="IClusterLifetimeManager{THub}"/>), the store call is made here
/// and the rest is the manager's: it makes the user's connections on every server match the store, and joins arriving
/// connections to their groups itself (serialised per user on each server), so the gate is not used.
/// </remarks>
internal sealed partial class UserGroups<THub> : IUserGroups where THub : Hub
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IUserGroupStore _store;
    private readonly HubLifetimeManager<THub> _manager;
    private readonly SignalRLite.Internal.Hubs.HubConnectionRegistry _connections = null!;
    private readonly IClusterLifetimeManager<THub>? _cluster;
    private readonly string _hubName = typeof(THub).FullName ?? typeof(THub).Name;
    private readonly TimeProvider _time;
    private readonly Microsoft.Extensions.Logging.ILogger _logger;

    public UserGroups(IUserGroupStore store, HubLifetimeManager<THub> manager, TimeProvider time, Microsoft.Extensions.Logging.ILogger<UserGroups<THub>> logger, IClusterLifetimeManager<THub>? cluster = null)
    {
        _store = store;
        _manager = manager;
        _time = time;
        _logger = logger;
        if (cluster is not null && manager is not DefaultHubLifetimeManager<THub>)
        {
            _cluster = cluster;
            cluster.EnableUserGroups(store);
            return;
        }

        _connections = SignalRLite.Internal.Hubs.LocalRegistry.Of(manager, "AddDurableGroups()");
    }

    public async Task AddUserToGroupAsync(string userId, string groupName, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        await ChangeAsync(userId, groupName, add: true, timeToLive is { } ttl ? _time.GetUtcNow() + ttl : null, cancellationToken).ConfigureAwait(false);
        if (timeToLive is { } due)
        {
            var expiry = new Expiry(this, userId, groupName);
            using (ExecutionContext.SuppressFlow())
            {
                expiry.Timer = _time.CreateTimer(static s => ((Expiry)s!).Fire(), expiry, due, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public Task RemoveUserFromGroupAsync(string userId, string groupName, CancellationToken cancellationToken) =>
        ChangeAsync(userId, groupName, add: false, expires: null, cancellationToken);

    // A membership's time to live ran out: its connections leave the group unless the store still lists it.
    private async Task ExpireAsync(string userId, string groupName)
    {
        try
        {
            if (_cluster is not null)
            {
                // Every server re-reads the store, which no longer lists an expired membership.
                await _cluster.ApplyUserGroupAsync(userId, groupName).ConfigureAwait(false);
                return;
            }

            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if ((await _store.GetGroupsAsync(_hubName, userId).ConfigureAwait(false)).Contains(groupName, StringComparer.Ordinal))
                {
                    return;
                }

                foreach (var connection in _connections.GetUserConnections(userId))
                {
                    await _manager.RemoveFromGroupAsync(connection.ConnectionId, groupName).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
        catch (Exception ex)
        {
            ExpiryFailed(_logger, userId, groupName, ex);
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(1, Microsoft.Extensions.Logging.LogLevel.Error, "The expiry of user '{UserId}' in group '{Group}' could not be applied.", EventName = "UserGroupExpiryFailed")]
    private static partial void ExpiryFailed(Microsoft.Extensions.Logging.ILogger logger, string userId, string group, Exception exception);

    /// <summary>One pending expiry: the timer's state, disposed when it fires.</summary>
    private sealed class Expiry(UserGroups<THub> owner, string userId, string groupName)
    {
        public ITimer? Timer { get; set; }

        public void Fire()
        {
            Timer?.Dispose();
            _ = owner.ExpireAsync(userId, groupName);
        }
    }

    // The store first, then the user's connections here, under the gate (see the remarks).
    private async Task ChangeAsync(string userId, string groupName, bool add, DateTimeOffset? expires, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(groupName);
        if (_cluster is not null)
        {
            _ = add
                ? await _store.AddAsync(_hubName, userId, groupName, expires, cancellationToken).ConfigureAwait(false)
                : await _store.RemoveAsync(_hubName, userId, groupName, cancellationToken).ConfigureAwait(false);
            await _cluster.ApplyUserGroupAsync(userId, groupName, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _ = add
                ? await _store.AddAsync(_hubName, userId, groupName, expires, cancellationToken).ConfigureAwait(false)
                : await _store.RemoveAsync(_hubName, userId, groupName, cancellationToken).ConfigureAwait(false);
            foreach (var connection in _connections.GetUserConnections(userId))
            {
                await (add
                    ? _manager.AddToGroupAsync(connection.ConnectionId, groupName, cancellationToken)
                    : _manager.RemoveFromGroupAsync(connection.ConnectionId, groupName, cancellationToken)).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A connection of the hub arrived (registered with the lifetime manager): it joins its user's groups.</summary>
    public async Task OnConnectedAsync(HubConnectionContext connection)
    {
        if (connection.UserIdentifier is not { } userId || _cluster is not null)
        {
            return;
        }

        await _gate.WaitAsync(connection.ConnectionAborted).ConfigureAwait(false);
        try
        {
            foreach (var group in await _store.GetGroupsAsync(_hubName, userId, connection.ConnectionAborted).ConfigureAwait(false))
            {
                await _manager.AddToGroupAsync(connection.ConnectionId, group, connection.ConnectionAborted).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
