using System.Collections.Concurrent;
using System.Diagnostics;

// Shared source: compiled into the core and into SignalRLite.StackExchangeRedis (which has no access to the core's
// internals), each copy in a namespace of its own so that a test assembly seeing both sets of internals can name them.
#if SIGNALRLITE_STACKEXCHANGEREDIS
namespace SignalRLite.StackExchangeRedis.Internal;
#else
namespace SignalRLite.Internal.Hubs;
#endif

/// <summary>
/// The connections of this server with their groups and users, and the fan-out of a send to them: what every lifetime
/// manager keeps locally (the in-memory one, and a backplane for the connections it holds). Thread-safe.
/// </summary>
/// <remarks>
/// Invariants, under <see cref="_lock"/> (all membership changes take it; it is never held across an await):
/// <list type="bullet">
/// <item>connection <c>c</c> is in <c>_groups[g]</c> exactly when <c>g</c> is in <c>_connectionGroups[c]</c>;</item>
/// <item>every member of a group or user set is in <c>_connections</c>, under its own id;</item>
/// <item>no set in <c>_groups</c>, <c>_users</c> or <c>_connectionGroups</c> is empty (names do not leak).</item>
/// </list>
/// Sends read <c>_connections</c>, <c>_groups</c> and <c>_users</c> without the lock: they are concurrent
/// dictionaries, so a send that races with a join, a leave or a disconnect sees that member or not, never a torn set,
/// and enumerating one while it changes is safe.
/// </remarks>
internal sealed class HubConnectionRegistry
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _connectionGroups = new(StringComparer.Ordinal); // only under _lock
    private readonly Lock _lock = new();

    /// <summary>
    /// Told, after each send to a selection, how many connections of this server it was written to (the core's
    /// <c>signalrlite.server.send.fan_out</c>). Set once by the owner, read without the lock; null records nothing.
    /// </summary>
    public Action<HubClientSelection, int>? FanOutObserver { get; set; }

    /// <summary>
    /// Told of every membership change, under the registry's lock, so in the order the changes happened and exactly
    /// once each (presence); null tells nothing. Set by <see cref="GetOrAttachObserver"/>.
    /// </summary>
    public IHubRegistryObserver? MembershipObserver { get; private set; }

    /// <summary>
    /// The observer, created by <paramref name="create"/> on the first call: from then on it is told of every membership
    /// change; first, under the same lock, of every connection and group membership there already is, so that it misses
    /// nothing and sees nothing twice.
    /// </summary>
    public IHubRegistryObserver GetOrAttachObserver(Func<IHubRegistryObserver> create)
    {
        lock (_lock)
        {
            if (MembershipObserver is { } attached)
            {
                return attached;
            }

            var observer = create();

            foreach (var (id, connection) in _connections)
            {
                observer.ConnectionAdded(id, connection.UserIdentifier);
            }

            foreach (var (id, groups) in _connectionGroups)
            {
                foreach (var group in groups)
                {
                    observer.GroupJoined(id, _connections[id].UserIdentifier, group);
                }
            }

            MembershipObserver = observer;
            return observer;
        }
    }

    public bool TryGetConnection(string connectionId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubConnectionContext? connection) =>
        _connections.TryGetValue(connectionId, out connection);

    public bool Contains(string connectionId) => _connections.ContainsKey(connectionId);

    /// <summary>Whether a connection of this server is in the group (lock-free: a snapshot).</summary>
    public bool HasGroup(string groupName) => _groups.ContainsKey(groupName);

    /// <summary>The user's connections on this server (lock-free: a snapshot, copied).</summary>
    public IReadOnlyList<HubConnectionContext> GetUserConnections(string userId) =>
        _users.TryGetValue(userId, out var members) ? [.. members.Values] : [];

    /// <summary>The group's connections on this server (lock-free: a snapshot, copied).</summary>
    public IReadOnlyList<HubConnectionContext> GetGroupConnections(string groupName) =>
        _groups.TryGetValue(groupName, out var members) ? [.. members.Values] : [];

    /// <summary>The groups the connection is in (a copy, under the lock: the per-connection sets are not concurrent).</summary>
    public IReadOnlyList<string> GetConnectionGroups(string connectionId)
    {
        lock (_lock)
        {
            return _connectionGroups.TryGetValue(connectionId, out var groups) ? [.. groups] : [];
        }
    }

    /// <summary>Whether a connection of this server belongs to the user (lock-free: a snapshot).</summary>
    public bool HasUser(string userId) => _users.ContainsKey(userId);

    /// <summary>
    /// The <paramref name="count"/> largest groups of this server (connections of this server in each, largest first,
    /// then by name) and, in <paramref name="groups"/>, how many groups there are. Lock-free, like a send: a group that
    /// changes meanwhile is counted before or after the change. One pass over the groups, for the dashboard's snapshot.
    /// </summary>
    public List<KeyValuePair<string, int>> LargestGroups(int count, out int groups)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        groups = 0;
        var largest = new List<KeyValuePair<string, int>>(count + 1);
        foreach (var (name, members) in _groups)
        {
            groups++;
            var size = members.Count;
            if (largest.Count == count && Compare(largest[^1], name, size) <= 0)
            {
                continue;
            }

            var at = largest.Count;
            while (at > 0 && Compare(largest[at - 1], name, size) > 0)
            {
                at--;
            }

            largest.Insert(at, new(name, size));
            if (largest.Count > count)
            {
                largest.RemoveAt(count);
            }
        }

        return largest;

        // > 0 when (name, size) goes before entry: larger first, then by name.
        static int Compare(KeyValuePair<string, int> entry, string name, int size) =>
            entry.Value != size ? size.CompareTo(entry.Value) : string.CompareOrdinal(entry.Key, name);
    }

    /// <summary>Adds the connection, and to its user's set when it has a <see cref="HubConnectionContext.UserIdentifier"/>.</summary>
    public void Add(HubConnectionContext connection)
    {
        lock (_lock)
        {
            _connections[connection.ConnectionId] = connection;
            if (connection.UserIdentifier is { } user)
            {
                _users.GetOrAdd(user, static _ => new(StringComparer.Ordinal))[connection.ConnectionId] = connection;
            }

            MembershipObserver?.ConnectionAdded(connection.ConnectionId, connection.UserIdentifier);
            AssertInvariants();
        }
    }

    /// <summary>Removes the connection from everything; returns the groups it was in (null: none).</summary>
    public HashSet<string>? Remove(HubConnectionContext connection)
    {
        var id = connection.ConnectionId;
        lock (_lock)
        {
            _connections.TryRemove(id, out _);
            if (_connectionGroups.Remove(id, out var groups))
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

            MembershipObserver?.ConnectionRemoved(id, connection.UserIdentifier, groups);
            AssertInvariants();
            return groups;
        }
    }

    /// <summary>Adds a connection of this server to a group; false when the connection is not (or no longer) here.</summary>
    public bool AddToGroup(string connectionId, string groupName)
    {
        lock (_lock)
        {
            // Looked up under the lock: a connection removed meanwhile must not be added back to a group.
            if (!_connections.TryGetValue(connectionId, out var connection))
            {
                return false;
            }

            _groups.GetOrAdd(groupName, static _ => new(StringComparer.Ordinal))[connectionId] = connection;
            if (!_connectionGroups.TryGetValue(connectionId, out var groups))
            {
                _connectionGroups[connectionId] = groups = new(StringComparer.Ordinal);
            }

            if (groups.Add(groupName))
            {
                MembershipObserver?.GroupJoined(connectionId, connection.UserIdentifier, groupName);
            }

            AssertInvariants();
            return true;
        }
    }

    /// <summary>Removes a connection from a group; false when it was not in it.</summary>
    public bool RemoveFromGroup(string connectionId, string groupName)
    {
        lock (_lock)
        {
            if (!_connectionGroups.TryGetValue(connectionId, out var groups) || !groups.Remove(groupName))
            {
                return false;
            }

            if (groups.Count == 0)
            {
                _connectionGroups.Remove(connectionId);
            }

            RemoveMember(_groups, groupName, connectionId);
            MembershipObserver?.GroupLeft(connectionId, _connections.TryGetValue(connectionId, out var connection) ? connection.UserIdentifier : null, groupName);
            AssertInvariants();
            return true;
        }
    }

    /// <summary>Writes to every connection but the excluded ones (see <see cref="HubFanOut"/>).</summary>
    public Task SendAllAsync(SerializedHubMessage message, IReadOnlyList<string>? excluded, CancellationToken cancellationToken, Action<HubConnectionContext, InvalidOperationException>? noFrame = null)
    {
        var fanOut = new HubFanOut();
        var reached = Write(ref fanOut, _connections, message, excluded, null, noFrame, cancellationToken);
        RecordFanOut(excluded is null ? HubClientSelection.All : HubClientSelection.AllExcept, reached);
        return fanOut.WhenAll();
    }

    /// <summary>Writes to the group's connections of this server but the excluded ones.</summary>
    public Task SendGroupAsync(string groupName, SerializedHubMessage message, IReadOnlyList<string>? excluded, CancellationToken cancellationToken, Action<HubConnectionContext, InvalidOperationException>? noFrame = null) =>
        SendSetAsync(_groups, groupName, message, excluded, noFrame, excluded is null ? HubClientSelection.Group : HubClientSelection.GroupExcept, cancellationToken);

    /// <summary>Writes to the user's connections of this server but the excluded ones.</summary>
    public Task SendUserAsync(string userId, SerializedHubMessage message, IReadOnlyList<string>? excluded, CancellationToken cancellationToken, Action<HubConnectionContext, InvalidOperationException>? noFrame = null) =>
        SendSetAsync(_users, userId, message, excluded, noFrame, HubClientSelection.User, cancellationToken);

    /// <summary>Writes once to each connection in any of the groups.</summary>
    public Task SendGroupsAsync(IReadOnlyList<string> groupNames, SerializedHubMessage message, CancellationToken cancellationToken) =>
        SendSetsAsync(_groups, groupNames, message, HubClientSelection.Groups, cancellationToken);

    /// <summary>Writes once to each connection of any of the users.</summary>
    public Task SendUsersAsync(IReadOnlyList<string> userIds, SerializedHubMessage message, CancellationToken cancellationToken) =>
        SendSetsAsync(_users, userIds, message, HubClientSelection.Users, cancellationToken);

    /// <summary>Writes to those of the connections that are on this server; the others are left to the caller.</summary>
    public Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, SerializedHubMessage message, CancellationToken cancellationToken)
    {
        var fanOut = new HubFanOut();
        var reached = 0;
        foreach (var id in connectionIds)
        {
            if (_connections.TryGetValue(id, out var connection))
            {
                fanOut.Write(connection, message, cancellationToken);
                reached++;
            }
        }

        RecordFanOut(HubClientSelection.Connections, reached);
        return fanOut.WhenAll();
    }

    private Task SendSetAsync(ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> sets, string key, SerializedHubMessage message,
        IReadOnlyList<string>? excluded, Action<HubConnectionContext, InvalidOperationException>? noFrame, HubClientSelection selection, CancellationToken cancellationToken)
    {
        if (!sets.TryGetValue(key, out var members))
        {
            RecordFanOut(selection, 0);
            return Task.CompletedTask;
        }

        var fanOut = new HubFanOut();
        var reached = Write(ref fanOut, members, message, excluded, null, noFrame, cancellationToken);
        RecordFanOut(selection, reached);
        return fanOut.WhenAll();
    }

    private void RecordFanOut(HubClientSelection selection, int reached) => FanOutObserver?.Invoke(selection, reached);

    private Task SendSetsAsync(ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> sets, IReadOnlyList<string> keys, SerializedHubMessage message, HubClientSelection selection, CancellationToken cancellationToken)
    {
        var reached = 0;
        // A connection in several of the sets gets the message once.
        HashSet<string>? seen = keys.Count > 1 ? new(StringComparer.Ordinal) : null;
        var fanOut = new HubFanOut();
        foreach (var key in keys)
        {
            if (key is not null && sets.TryGetValue(key, out var members))
            {
                reached += Write(ref fanOut, members, message, null, seen, null, cancellationToken);
            }
        }

        RecordFanOut(selection, reached);
        return fanOut.WhenAll();
    }

    /// <summary>Writes to the targets; returns how many were written to.</summary>
    private static int Write(ref HubFanOut fanOut, ConcurrentDictionary<string, HubConnectionContext> targets, SerializedHubMessage message, IReadOnlyList<string>? excluded,
        HashSet<string>? seen, Action<HubConnectionContext, InvalidOperationException>? noFrame, CancellationToken cancellationToken)
    {
        var reached = 0;
        foreach (var (id, connection) in targets)
        {
            if ((excluded is not null && Contains(excluded, id)) || (seen is not null && !seen.Add(id)))
            {
                continue;
            }

            if (noFrame is null)
            {
                fanOut.Write(connection, message, cancellationToken);
                reached++;
                continue;
            }

            try
            {
                fanOut.Write(connection, message, cancellationToken);
                reached++;
            }
            catch (InvalidOperationException ex)
            {
                // Pre-serialised frames (from a backplane) without one for this connection's protocol: skip it.
                noFrame(connection, ex);
            }
        }

        return reached;
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

    // Caller holds _lock: an emptied set is removed so that group and user names do not leak.
    private static void RemoveMember(ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> sets, string key, string connectionId)
    {
        if (sets.TryGetValue(key, out var members) && members.TryRemove(connectionId, out _) && members.IsEmpty)
        {
            sets.TryRemove(key, out _);
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        foreach (var (group, members) in _groups)
        {
            Debug.Assert(!members.IsEmpty, $"Empty group '{group}' left behind.");
            foreach (var (id, connection) in members)
            {
                Debug.Assert(_connections.TryGetValue(id, out var c) && ReferenceEquals(c, connection), $"Group '{group}' holds '{id}', which is not connected.");
                Debug.Assert(_connectionGroups.TryGetValue(id, out var groups) && groups.Contains(group), $"'{id}' is in group '{group}' but does not list it.");
            }
        }

        foreach (var (id, groups) in _connectionGroups)
        {
            Debug.Assert(groups.Count > 0, $"Empty group list of '{id}' left behind.");
            foreach (var group in groups)
            {
                Debug.Assert(_groups.TryGetValue(group, out var members) && members.ContainsKey(id), $"'{id}' lists group '{group}' but is not in it.");
            }
        }

        foreach (var (user, members) in _users)
        {
            Debug.Assert(!members.IsEmpty, $"Empty user set '{user}' left behind.");
            foreach (var id in members.Keys)
            {
                Debug.Assert(_connections.ContainsKey(id), $"User '{user}' holds '{id}', which is not connected.");
            }
        }
    }
}

/// <summary>
/// Membership changes of a <see cref="HubConnectionRegistry"/>, called under its lock: implementations must not block,
/// call back into the registry or throw.
/// </summary>
internal interface IHubRegistryObserver
{
    void ConnectionAdded(string connectionId, string? userId);

    /// <summary>The connection left; <paramref name="groups"/> are the groups it was still in (null: none).</summary>
    void ConnectionRemoved(string connectionId, string? userId, IReadOnlyCollection<string>? groups);

    void GroupJoined(string connectionId, string? userId, string groupName);

    void GroupLeft(string connectionId, string? userId, string groupName);
}
