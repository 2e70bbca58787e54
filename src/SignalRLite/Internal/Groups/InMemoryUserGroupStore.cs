namespace SignalRLite.Internal.Groups;

/// <summary>
/// The default <see cref="IUserGroupStore"/>: memberships in memory, for the life of the process, each with an optional
/// expiry read on the injected <see cref="TimeProvider"/>. Thread-safe.
/// </summary>
/// <remarks>
/// One lock, <see cref="_lock"/>, over the map; invariant: no user's map of groups is left empty. Expired memberships
/// are dropped when the user's groups are read (the hub's <c>UserGroups</c> reads them when one expires).
/// </remarks>
internal sealed class InMemoryUserGroupStore(TimeProvider time) : IUserGroupStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Hub, string User), Dictionary<string, DateTimeOffset?>> _groups = [];

    public ValueTask<bool> AddAsync(string hubName, string userId, string groupName, DateTimeOffset? expires, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue((hubName, userId), out var groups))
            {
                _groups[(hubName, userId)] = groups = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
            }

            var added = !groups.ContainsKey(groupName);
            groups[groupName] = expires;
            return new(added);
        }
    }

    public ValueTask<bool> RemoveAsync(string hubName, string userId, string groupName, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue((hubName, userId), out var groups) || !groups.Remove(groupName))
            {
                return new(false);
            }

            if (groups.Count == 0)
            {
                _groups.Remove((hubName, userId));
            }

            return new(true);
        }
    }

    public ValueTask<IReadOnlyCollection<string>> GetGroupsAsync(string hubName, string userId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue((hubName, userId), out var groups))
            {
                return new(Array.Empty<string>());
            }

            var now = time.GetUtcNow();
            foreach (var (group, expires) in groups)
            {
                if (expires <= now)
                {
                    groups.Remove(group); // allowed while enumerating a Dictionary (.NET Core 3.0 and later)
                }
            }

            if (groups.Count == 0)
            {
                _groups.Remove((hubName, userId));
            }

            // A copy: the caller iterates it after the lock is released.
            return new([.. groups.Keys]);
        }
    }
}
