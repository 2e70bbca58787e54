namespace SignalRLite;

/// <summary>Adds connections to groups and removes them.</summary>
public interface IGroupManager
{
    /// <summary>Adds a connection to a group.</summary>
    Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default);

    /// <summary>Removes a connection from a group.</summary>
    Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default);
}
