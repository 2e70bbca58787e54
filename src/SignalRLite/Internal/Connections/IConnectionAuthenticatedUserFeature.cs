using System.Security.Claims;

namespace SignalRLite.Internal.Connections;

/// <summary>
/// Offered by a connection layer whose <c>IConnectionUserFeature.User</c> creates an empty principal for an anonymous
/// connection on first read: this one reads the user without creating anything, so that the hub layer can tell an
/// anonymous connection from an authenticated one without allocating.
/// </summary>
internal interface IConnectionAuthenticatedUserFeature
{
    /// <summary>The user the request authenticated, or null for an anonymous connection.</summary>
    ClaimsPrincipal? AuthenticatedUser { get; }
}
