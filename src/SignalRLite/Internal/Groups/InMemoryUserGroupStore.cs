namespace SignalRLite.Internal.Groups;

/// <summary>The default <see cref="IUserGroupStore"/>: memberships in memory, for the life of the process. Thread-safe.</summary>
/// <remarks>One lock, <see cref="_lock"/>, over the map; invariant: no user's set of groups is left empty.</remarks>
internal sealed class InMemoryUserGroupStore : IUserGroupStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Hub, string User), HashSet<string>> _groups = [];

    public ValueTask<bool> AddAsync(string hubName, string userId, string groupName, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue((hubName, userId), out var groups))
            {
                _groups[(hubName, userId)] = groups = new HashSet<string>(StringComparer.Ordinal);
            }

            return new(groups.Add(groupName));
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
            // A copy: the caller iterates it after the lock is released.
            return new(_groups.TryGetValue((hubName, userId), out var groups) ? [.. groups] : Array.Empty<string>());
        }
    }
}
