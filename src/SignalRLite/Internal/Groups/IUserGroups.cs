namespace SignalRLite.Internal.Groups;

/// <summary>The durable groups of one hub (<see cref="UserGroups{THub}"/>), as the extension methods see them.</summary>
internal interface IUserGroups
{
    Task AddUserToGroupAsync(string userId, string groupName, TimeSpan? timeToLive, CancellationToken cancellationToken);

    Task RemoveUserFromGroupAsync(string userId, string groupName, CancellationToken cancellationToken);
}

/// <summary>A group manager that has durable groups (null when they are not registered).</summary>
internal interface IUserGroupsProvider
{
    IUserGroups? UserGroups { get; }
}
