namespace SignalRLite;

/// <summary>Gives the user id of a connection, used by <c>Clients.User(...)</c>. Replace it in DI.</summary>
public interface IUserIdProvider
{
    /// <summary>The user id of the connection, or null.</summary>
    string? GetUserId(HubConnectionContext connection);
}
