using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace SignalRLite.Http.Connections;

/// <summary>
/// A refresh request in progress, given to <see cref="HttpConnectionDispatcherOptions.OnAuthenticationRefresh"/> so
/// that the application can accept or reject the new user. The .NET 11 type of the same name
/// (<c>Microsoft.AspNetCore.Connections.Features</c> there).
/// </summary>
public sealed class AuthenticationRefreshContext
{
    /// <summary>The id of the connection being refreshed.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>The refresh request.</summary>
    public required HttpContext HttpContext { get; init; }

    /// <summary>The user the refresh request authenticated: the connection's user from now on if the refresh is accepted.</summary>
    public required ClaimsPrincipal NewUser { get; init; }

    /// <summary>The connection's current user.</summary>
    public required ClaimsPrincipal PreviousUser { get; init; }

    /// <summary>When the new authentication expires (after <see cref="HttpConnectionDispatcherOptions.MaximumAuthenticationExpiration"/>), or <c>null</c> when it does not.</summary>
    public DateTimeOffset? NewExpiration { get; init; }
}
