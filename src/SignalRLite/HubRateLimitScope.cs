namespace SignalRLite;

/// <summary>What a built-in hub rate limit policy counts separately: the key of its partitions.</summary>
public enum HubRateLimitScope
{
    /// <summary>Each connection has its own limit (the connection id).</summary>
    Connection,

    /// <summary>Each user has one limit over all their connections (<see cref="HubConnectionContext.UserIdentifier"/>); an anonymous connection counts on its own.</summary>
    User,

    /// <summary>
    /// Each client IP address has one limit (the remote address of the connection's HTTP request); IPv6 addresses count
    /// per /64 prefix and IPv4-mapped IPv6 addresses as IPv4, as the connection quotas count them. Connections whose
    /// address is unknown share one partition.
    /// </summary>
    ClientIp,

    /// <summary>Each hub method has one limit shared by all callers (hub and method name).</summary>
    Method,

    /// <summary>One limit shared by every invocation the policy applies to.</summary>
    Global,
}
