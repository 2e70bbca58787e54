using SignalRLite.Internal.Groups;

namespace SignalRLite;

/// <summary>
/// Durable, user-bound groups on <see cref="IGroupManager"/> (<c>Groups</c> of a hub or of an <see cref="IHubContext{THub}"/>),
/// a SignalRLite addition: the membership belongs to the user, not to a connection, so it applies to every connection of
/// the user now and to every later one (after a reconnect, a new tab), until removed. Connection groups keep their
/// official semantics. Needs <c>AddSignalRLite().AddDurableGroups()</c>.
/// </summary>
public static class UserGroupManagerExtensions
{
    /// <summary>Adds the user to the group: each of the user's connections now, and each later one, is in it.</summary>
    /// <exception cref="NotSupportedException">Durable groups are not registered (<c>AddDurableGroups()</c>).</exception>
    public static Task AddUserToGroupAsync(this IGroupManager groups, string userId, string groupName, CancellationToken cancellationToken = default) =>
        UserGroups(groups).AddUserToGroupAsync(userId, groupName, timeToLive: null, cancellationToken);

    /// <summary>
    /// Adds the user to the group for <paramref name="timeToLive"/>: each of the user's connections now, and each later
    /// one, is in it until then; then they leave it (unless the user was added again meanwhile: the latest add decides).
    /// </summary>
    /// <exception cref="NotSupportedException">Durable groups are not registered (<c>AddDurableGroups()</c>).</exception>
    public static Task AddUserToGroupAsync(this IGroupManager groups, string userId, string groupName, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        return UserGroups(groups).AddUserToGroupAsync(userId, groupName, timeToLive, cancellationToken);
    }

    /// <summary>Removes the user from the group: each of the user's connections leaves it, and later ones do not join it.</summary>
    /// <exception cref="NotSupportedException">Durable groups are not registered (<c>AddDurableGroups()</c>).</exception>
    public static Task RemoveUserFromGroupAsync(this IGroupManager groups, string userId, string groupName, CancellationToken cancellationToken = default) =>
        UserGroups(groups).RemoveUserFromGroupAsync(userId, groupName, cancellationToken);

    private static IUserGroups UserGroups(IGroupManager groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return (groups as IUserGroupsProvider)?.UserGroups
            ?? throw new NotSupportedException("User-bound groups need AddSignalRLite().AddDurableGroups().");
    }
}
