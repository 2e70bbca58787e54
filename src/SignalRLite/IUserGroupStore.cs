namespace SignalRLite;

/// <summary>
/// Where durable, user-bound group memberships are kept (SignalRLite; see <c>AddDurableGroups()</c>). The default keeps
/// them in memory for the life of the process; register your own implementation before <c>AddDurableGroups()</c> to
/// keep them elsewhere.
/// </summary>
public interface IUserGroupStore
{
    /// <summary>
    /// Records that the user belongs to the group of the hub until <paramref name="expires"/> (null: until removed),
    /// replacing the expiry of a membership already recorded; true when it was not recorded yet.
    /// </summary>
    ValueTask<bool> AddAsync(string hubName, string userId, string groupName, DateTimeOffset? expires, CancellationToken cancellationToken = default);

    /// <summary>Forgets that the user belongs to the group of the hub; true when it was recorded.</summary>
    ValueTask<bool> RemoveAsync(string hubName, string userId, string groupName, CancellationToken cancellationToken = default);

    /// <summary>The groups of the hub the user belongs to now (expired memberships left out).</summary>
    ValueTask<IReadOnlyCollection<string>> GetGroupsAsync(string hubName, string userId, CancellationToken cancellationToken = default);
}
