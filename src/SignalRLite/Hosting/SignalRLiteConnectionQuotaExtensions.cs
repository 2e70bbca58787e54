using SignalRLite;
using SignalRLite.Http.Connections;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Connection quotas on the builder returned by <c>AddSignalRLite()</c> (docs/security.md, "Connection quotas").</summary>
public static class SignalRLiteConnectionQuotaExtensions
{
    /// <summary>
    /// Limits the connections per user and per client address, and the negotiated connections still waiting for their
    /// transport (<see cref="ConnectionQuotaOptions"/>); a refused negotiate or WebSocket upgrade gets 429. The quotas
    /// apply to all endpoints of the application together (a user's connections to two hubs count against one limit).
    /// </summary>
    public static ISignalRServerBuilder AddConnectionQuotas(this ISignalRServerBuilder signalrBuilder, Action<ConnectionQuotaOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(signalrBuilder);
        ArgumentNullException.ThrowIfNull(configure);
        signalrBuilder.Services.Configure(configure);
        return signalrBuilder;
    }
}
