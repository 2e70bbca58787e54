using SignalRLite.Internal.Quotas;

namespace SignalRLite.Internal.RateLimiting;

/// <summary>The partition keys of the built-in scopes.</summary>
internal static class HubRateLimitKeys
{
    public static string Of(HubRateLimitScope scope, HubInvocationRateLimitContext context) => scope switch
    {
        HubRateLimitScope.Connection => context.ConnectionId,
        // Prefixed so that a user id can never share a partition with a connection id.
        HubRateLimitScope.User => context.UserIdentifier is { } user ? "user:" + user : "connection:" + context.ConnectionId,
        // Keyed as the connection quotas key addresses (IPv6 by /64 prefix, IPv4-mapped as IPv4): one client cannot
        // take a fresh partition per address of its IPv6 block.
        HubRateLimitScope.ClientIp => context.RemoteIpAddress is { } address ? ConnectionQuotaTracker.ToKey(address).ToString() : "(unknown)",
        // The method name is bounded: an unknown target is "(unknown)", not the name the client sent.
        HubRateLimitScope.Method => context.HubName + "." + context.MethodName,
        _ => "",
    };
}
