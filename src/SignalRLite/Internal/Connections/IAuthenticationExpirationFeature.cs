namespace SignalRLite.Internal.Connections;

/// <summary>
/// Set by the connection layer when the authentication ticket of the request that created the connection has an expiry
/// (or <c>MaximumAuthenticationExpiration</c> gives it one). The hub layer closes the connection once it has passed when
/// <see cref="CloseOnExpiration"/> says so (<c>CloseOnAuthenticationExpiration</c>), and may refuse invocations after it
/// (<c>HubOptions.ExpiredAuthorization</c>). An authentication refresh moves it.
/// </summary>
internal interface IAuthenticationExpirationFeature
{
    /// <summary>When the connection's authentication expires; <c>null</c> when a refresh removed the expiry.</summary>
    DateTimeOffset? ExpiresUtc { get; }

    /// <summary>The endpoint closes connections whose authentication expired (<c>CloseOnAuthenticationExpiration</c>).</summary>
    bool CloseOnExpiration { get; }
}
