namespace SignalRLite.Internal.Hubs;

/// <summary>Why a hub connection is being closed from the server side.</summary>
internal enum HubConnectionCloseReason
{
    None = 0,
    /// <summary><c>Context.Abort()</c> or <see cref="HubConnectionContext.Abort"/>: Close without error.</summary>
    Aborted,
    HandshakeTimeout,
    /// <summary>Nothing received for <c>ClientTimeoutInterval</c>: Close with error, reconnect allowed.</summary>
    ClientTimeout,
    /// <summary>The authentication ticket expired (<c>CloseOnAuthenticationExpiration</c>): Close without error, reconnect allowed.</summary>
    AuthenticationExpired,
    /// <summary>A write to the transport failed: nothing more can be sent.</summary>
    TransportFailed,
    /// <summary>More fan-out messages queued for the client than <c>MaximumQueuedMessagesPerClient</c>: it does not read.</summary>
    SlowClient,
    /// <summary>Closed from outside the hub (admin API, drain) with its own Close message (<see cref="HubConnectionContext.RequestedClose"/>).</summary>
    Requested,
}
