namespace SignalRLite;

/// <summary>SignalRLite addition: see <see cref="HubOptions.ExpiredAuthorization"/>.</summary>
public enum ExpiredAuthorizationBehavior
{
    /// <summary>The expiry is not looked at: the official server's behaviour (it authorizes the cached principal).</summary>
    Allow = 0,

    /// <summary>The invocation is refused like a failed authorization (a Completion with the unauthorized error); the connection stays.</summary>
    Refuse,

    /// <summary>
    /// The invocation is refused and the connection closed without error, reconnect allowed (as
    /// <c>CloseOnAuthenticationExpiration</c>): a client with automatic reconnect comes back with a fresh token from its
    /// access token provider. For clients older than 11.0, which cannot refresh in place.
    /// </summary>
    CloseWithReconnect,
}
