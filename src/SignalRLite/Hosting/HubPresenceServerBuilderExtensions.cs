using Microsoft.Extensions.DependencyInjection.Extensions;
using SignalRLite;
using SignalRLite.Internal.Presence;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers hub presence (<see cref="IHubPresence{THub}"/>), a SignalRLite addition.</summary>
public static class HubPresenceServerBuilderExtensions
{
    /// <summary>
    /// Makes <see cref="IHubPresence{THub}"/> injectable for every hub: counts and pages of connections, users and groups,
    /// and presence events. Off unless called: without it, connections and groups cost nothing extra.
    /// </summary>
    public static ISignalRServerBuilder AddHubPresence(this ISignalRServerBuilder signalrBuilder)
    {
        ArgumentNullException.ThrowIfNull(signalrBuilder);
        signalrBuilder.Services.TryAddSingleton(typeof(IHubPresence<>), typeof(HubPresence<>));
        return signalrBuilder;
    }
}
