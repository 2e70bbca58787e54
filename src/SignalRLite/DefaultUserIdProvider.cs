using System.Security.Claims;

namespace SignalRLite;

/// <summary>Takes the user id from the <see cref="ClaimTypes.NameIdentifier"/> claim.</summary>
public class DefaultUserIdProvider : IUserIdProvider
{
    /// <inheritdoc />
    public virtual string? GetUserId(HubConnectionContext connection) =>
        connection.AuthenticatedUser?.FindFirst(ClaimTypes.NameIdentifier)?.Value;
}
