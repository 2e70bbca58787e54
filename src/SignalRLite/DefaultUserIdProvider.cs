using System.Security.Claims;

namespace SignalRLite;

/// <summary>Takes the user id from the <see cref="ClaimTypes.NameIdentifier"/> claim.</summary>
public class DefaultUserIdProvider : IUserIdProvider
{
    /// <inheritdoc />
    public virtual string? GetUserId(HubConnectionContext connection) =>
        connection.User?.FindFirst(ClaimTypes.NameIdentifier)?.Value;
}
