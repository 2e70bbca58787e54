namespace SignalRLite.Internal.Connections;

/// <summary>
/// Set by the connection layer when the endpoint closes connections on authentication expiry
/// (<c>HttpConnectionDispatcherOptions.CloseOnAuthenticationExpiration</c>) and the ticket has an expiry; the hub layer
/// closes the connection once that time has passed.
/// </summary>
internal interface IAuthenticationExpirationFeature
{
    /// <summary>When the authentication ticket of the request that created the connection expires.</summary>
    DateTimeOffset ExpiresUtc { get; }
}
