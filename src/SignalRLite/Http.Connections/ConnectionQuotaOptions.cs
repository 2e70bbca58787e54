namespace SignalRLite.Http.Connections;

/// <summary>
/// Limits on how many connections one party may hold, checked at the door (negotiate, and the WebSocket upgrade of a
/// client that skips negotiation) before any connection state is created. Set globally with
/// <c>AddSignalRLite().AddConnectionQuotas(o =&gt; ...)</c>; every limit is off (null) by default, which is the
/// official server's behaviour. A refused request gets <c>429 Too Many Requests</c> (docs/security.md, "Connection quotas").
/// </summary>
public sealed class ConnectionQuotaOptions
{
    private int? _maxConnectionsPerUser;
    private int? _maxConnectionsPerClientIp;
    private int? _maxPendingConnectionsPerClientIp;
    private int? _maxPendingConnections;
    private TimeSpan? _pendingConnectionLifetime;

    /// <summary>
    /// Connections (negotiated or connected) one authenticated user may hold, identified by the
    /// <see cref="System.Security.Claims.ClaimTypes.NameIdentifier"/> claim (the default user ID of the hubs).
    /// Anonymous requests, or users without that claim, are limited per client address only. Null: no limit.
    /// </summary>
    public int? MaxConnectionsPerUser
    {
        get => _maxConnectionsPerUser;
        set => _maxConnectionsPerUser = CheckLimit(value);
    }

    /// <summary>
    /// Connections (negotiated or connected) one client address may hold: the request's
    /// <c>HttpContext.Connection.RemoteIpAddress</c> (behind a proxy, configure the forwarded headers middleware first);
    /// IPv6 addresses count per /64 prefix. Null: no limit.
    /// </summary>
    public int? MaxConnectionsPerClientIp
    {
        get => _maxConnectionsPerClientIp;
        set => _maxConnectionsPerClientIp = CheckLimit(value);
    }

    /// <summary>Negotiated connections without a transport yet that one client address may hold. Null: no limit.</summary>
    public int? MaxPendingConnectionsPerClientIp
    {
        get => _maxPendingConnectionsPerClientIp;
        set => _maxPendingConnectionsPerClientIp = CheckLimit(value);
    }

    /// <summary>Negotiated connections without a transport yet, all clients together. Null: no limit.</summary>
    public int? MaxPendingConnections
    {
        get => _maxPendingConnections;
        set => _maxPendingConnections = CheckLimit(value);
    }

    /// <summary>
    /// How long a negotiated connection may wait for its first transport request before it is dropped. Null (the default)
    /// keeps the official behaviour: it is dropped like any connection without a transport, after
    /// <see cref="ConnectionOptions.DisconnectTimeout"/> (15 s by default) plus at most one scan period (a second).
    /// </summary>
    public TimeSpan? PendingConnectionLifetime
    {
        get => _pendingConnectionLifetime;
        set => _pendingConnectionLifetime = value is { } v && v <= TimeSpan.Zero
            ? throw new ArgumentOutOfRangeException(nameof(value), v, "The pending connection lifetime must be positive.")
            : value;
    }

    private static int? CheckLimit(int? value, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        value is < 0 ? throw new ArgumentOutOfRangeException(name, value, "A connection limit cannot be negative.") : value;
}
