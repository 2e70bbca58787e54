using System.Diagnostics;
using System.Threading.Channels;
using SignalRLite.Internal.Hubs;

namespace SignalRLite.Internal.Presence;

/// <summary>
/// The presence of one hub on this server: who is connected, as which user, in which groups, with the counts kept as
/// the changes happen (O(1) reads), and the presence events handed to every subscriber. Fed by the lifetime manager's
/// <see cref="HubConnectionRegistry"/> through <see cref="IHubRegistryObserver"/>.
/// </summary>
/// <remarks>
/// <para>
/// One lock, <see cref="_lock"/>, guards every field but <see cref="_subscribers"/> (an immutable array replaced under the
/// lock and read under it too). The registry calls in with its own lock held, so the order is always registry, then
/// tracker; readers take only the tracker's. Events are produced under the lock and written to each subscriber's
/// unbounded channel there (TryWrite never blocks), so each subscriber sees every event once, in the order of the
/// changes, and a subscription started under the lock sees exactly the events after that point.
/// </para>
/// <para>Invariants (checked by <see cref="AssertInvariants"/>):</para>
/// <list type="number">
/// <item>P1. A connection is in <c>_groupConnections[g]</c> exactly when <c>g</c> is in <c>_connectionGroups[c]</c>.</item>
/// <item>P2. <c>_userConnections[u]</c> holds exactly the connections whose user is <c>u</c>.</item>
/// <item>P3. <c>_groupUsers[g][u]</c> is the number of <c>u</c>'s connections in <c>g</c>, and <c>_userGroups[u][g]</c> the same number.</item>
/// <item>P4. No set or map of these is left empty.</item>
/// </list>
/// </remarks>
internal sealed class HubPresenceTracker : IHubRegistryObserver
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, string?> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _userConnections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _groupConnections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _connectionGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _groupUsers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _userGroups = new(StringComparer.Ordinal);
    private ChannelWriter<HubPresenceEvent>[] _subscribers = [];

    public HubPresenceTracker(TimeProvider time) => _time = time;

    public long ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    public long UserCount
    {
        get
        {
            lock (_lock)
            {
                return _userConnections.Count;
            }
        }
    }

    public long CountOf(PresenceSet set, string key)
    {
        lock (_lock)
        {
            return set switch
            {
                PresenceSet.UserConnections => _userConnections.TryGetValue(key, out var c) ? c.Count : 0,
                PresenceSet.GroupConnections => _groupConnections.TryGetValue(key, out var g) ? g.Count : 0,
                PresenceSet.GroupUsers => _groupUsers.TryGetValue(key, out var u) ? u.Count : 0,
                _ => throw new ArgumentOutOfRangeException(nameof(set)),
            };
        }
    }

    /// <summary>A page of the set: the members after <paramref name="after"/> in ordinal order, at most <paramref name="pageSize"/>.</summary>
    public HubPresencePage Page(PresenceSet set, string? key, string? after, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        lock (_lock)
        {
            IEnumerable<string>? members = set switch
            {
                PresenceSet.Connections => _connections.Keys,
                PresenceSet.Users => _userConnections.Keys,
                PresenceSet.UserConnections => _userConnections.GetValueOrDefault(key!),
                PresenceSet.GroupConnections => _groupConnections.GetValueOrDefault(key!),
                PresenceSet.GroupUsers => _groupUsers.GetValueOrDefault(key!)?.Keys,
                PresenceSet.ConnectionGroups => _connectionGroups.GetValueOrDefault(key!),
                PresenceSet.UserGroups => _userGroups.GetValueOrDefault(key!)?.Keys,
                _ => throw new ArgumentOutOfRangeException(nameof(set)),
            };
            return PresencePaging.Page(members, after, pageSize);
        }
    }

    /// <summary>A subscription from now on: every later event is written to <paramref name="writer"/>.</summary>
    public void AddSubscriber(ChannelWriter<HubPresenceEvent> writer)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, writer];
        }
    }

    public void RemoveSubscriber(ChannelWriter<HubPresenceEvent> writer)
    {
        lock (_lock)
        {
            _subscribers = Array.FindAll(_subscribers, w => !ReferenceEquals(w, writer));
        }

        writer.TryComplete();
    }

    void IHubRegistryObserver.ConnectionAdded(string connectionId, string? userId)
    {
        lock (_lock)
        {
            _connections[connectionId] = userId;
            Publish(HubPresenceEventKind.ConnectionConnected, connectionId, userId, null);
            if (userId is not null && Add(_userConnections, userId, connectionId))
            {
                Publish(HubPresenceEventKind.UserOnline, connectionId, userId, null);
            }

            AssertInvariants();
        }
    }

    void IHubRegistryObserver.ConnectionRemoved(string connectionId, string? userId, IReadOnlyCollection<string>? groups)
    {
        lock (_lock)
        {
            if (_connectionGroups.Remove(connectionId, out var joined))
            {
                foreach (var group in joined)
                {
                    LeaveGroup(connectionId, userId, group);
                }
            }

            _connections.Remove(connectionId);
            Publish(HubPresenceEventKind.ConnectionDisconnected, connectionId, userId, null);
            if (userId is not null && Remove(_userConnections, userId, connectionId))
            {
                Publish(HubPresenceEventKind.UserOffline, connectionId, userId, null);
            }

            AssertInvariants();
        }
    }

    void IHubRegistryObserver.GroupJoined(string connectionId, string? userId, string groupName)
    {
        lock (_lock)
        {
            Add(_connectionGroups, connectionId, groupName);
            Add(_groupConnections, groupName, connectionId);
            if (userId is not null)
            {
                Increment(_groupUsers, groupName, userId);
                Increment(_userGroups, userId, groupName);
            }

            Publish(HubPresenceEventKind.GroupJoined, connectionId, userId, groupName);
            AssertInvariants();
        }
    }

    void IHubRegistryObserver.GroupLeft(string connectionId, string? userId, string groupName)
    {
        lock (_lock)
        {
            if (_connectionGroups.TryGetValue(connectionId, out var groups) && groups.Remove(groupName))
            {
                if (groups.Count == 0)
                {
                    _connectionGroups.Remove(connectionId);
                }

                LeaveGroup(connectionId, userId, groupName);
            }

            AssertInvariants();
        }
    }

    // Under _lock; the connection has already been taken out of _connectionGroups for this group.
    private void LeaveGroup(string connectionId, string? userId, string groupName)
    {
        Remove(_groupConnections, groupName, connectionId);
        if (userId is not null)
        {
            Decrement(_groupUsers, groupName, userId);
            Decrement(_userGroups, userId, groupName);
        }

        Publish(HubPresenceEventKind.GroupLeft, connectionId, userId, groupName);
    }

    // Under _lock: the subscribers see the events in the order of the changes.
    private void Publish(HubPresenceEventKind kind, string connectionId, string? userId, string? groupName)
    {
        var subscribers = _subscribers;
        if (subscribers.Length == 0)
        {
            return;
        }

        var e = new HubPresenceEvent(kind, connectionId, userId, groupName, _time.GetUtcNow());
        foreach (var subscriber in subscribers)
        {
            // Unbounded: never fails but after RemoveSubscriber completed it, when the event is not wanted any more.
            subscriber.TryWrite(e);
        }
    }

    /// <summary>Adds; true when the set was created (the first member).</summary>
    private static bool Add(Dictionary<string, HashSet<string>> sets, string key, string member)
    {
        var first = false;
        if (!sets.TryGetValue(key, out var set))
        {
            sets[key] = set = new HashSet<string>(StringComparer.Ordinal);
            first = true;
        }

        set.Add(member);
        return first;
    }

    /// <summary>Removes; true when the set became empty (and was dropped).</summary>
    private static bool Remove(Dictionary<string, HashSet<string>> sets, string key, string member)
    {
        if (sets.TryGetValue(key, out var set) && set.Remove(member) && set.Count == 0)
        {
            sets.Remove(key);
            return true;
        }

        return false;
    }

    private static void Increment(Dictionary<string, Dictionary<string, int>> counts, string key, string member)
    {
        if (!counts.TryGetValue(key, out var map))
        {
            counts[key] = map = new Dictionary<string, int>(StringComparer.Ordinal);
        }

        map[member] = map.GetValueOrDefault(member) + 1;
    }

    private static void Decrement(Dictionary<string, Dictionary<string, int>> counts, string key, string member)
    {
        if (!counts.TryGetValue(key, out var map) || !map.TryGetValue(member, out var n))
        {
            return;
        }

        if (n > 1)
        {
            map[member] = n - 1;
        }
        else if (map.Remove(member) && map.Count == 0)
        {
            counts.Remove(key);
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        foreach (var (connection, groups) in _connectionGroups)
        {
            Debug.Assert(groups.Count > 0 && _connections.ContainsKey(connection), "P1/P4: group list of an unknown connection, or empty.");
            foreach (var group in groups)
            {
                Debug.Assert(_groupConnections.TryGetValue(group, out var members) && members.Contains(connection), "P1");
            }
        }

        foreach (var (user, connections) in _userConnections)
        {
            Debug.Assert(connections.Count > 0, "P4");
            foreach (var connection in connections)
            {
                Debug.Assert(_connections.TryGetValue(connection, out var u) && u == user, "P2");
            }
        }

        foreach (var (group, users) in _groupUsers)
        {
            Debug.Assert(users.Count > 0, "P4");
            foreach (var (user, n) in users)
            {
                Debug.Assert(n > 0 && _userGroups.TryGetValue(user, out var groups) && groups.GetValueOrDefault(group) == n, "P3");
            }
        }
    }
}

/// <summary>Which list or count a presence query reads.</summary>
internal enum PresenceSet
{
    Connections,
    Users,
    UserConnections,
    GroupConnections,
    GroupUsers,
    ConnectionGroups,
    UserGroups,
}
