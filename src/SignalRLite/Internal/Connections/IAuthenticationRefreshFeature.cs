using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Connections;

/// <summary>
/// Offered by the connection layer on connections whose endpoint has <c>EnableAuthenticationRefresh</c> (negotiate
/// version 1): the hook through which the application layer checks and observes a refresh of the connection's user.
/// The .NET 11 counterpart is the public <c>IConnectionAuthenticationRefreshFeature</c>.
/// </summary>
internal interface IAuthenticationRefreshFeature
{
    /// <summary>
    /// The connection's identity check, run before the endpoint's <c>OnAuthenticationRefresh</c>: <c>false</c> rejects
    /// the refresh (403). The hub layer sets it to "the user identifier does not change". Null accepts any user.
    /// </summary>
    Func<AuthenticationRefreshContext, bool>? IdentityCheck { get; set; }

    /// <summary>
    /// Called for an accepted refresh just before the connection's user is replaced (so that the application can pin
    /// what runs to the previous user), on the refresh request's thread; must be quick and must not throw.
    /// </summary>
    Action<AuthenticationRefreshContext>? Replacing { get; set; }

    /// <summary>Called once the connection's user was replaced, on the refresh request's thread; must be quick and must not throw.</summary>
    Action<AuthenticationRefreshContext>? Refreshed { get; set; }
}
