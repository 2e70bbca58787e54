using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SignalRLite;
using SignalRLite.Hosting;
using SignalRLite.Internal.Diagnostics;
using SignalRLite.Internal.Hubs;
using SignalRLite.Internal.Transports;
using SignalRLite.Protocol;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SignalRLite in the application's services.</summary>
public static class SignalRLiteServiceCollectionExtensions
{
    /// <summary>Adds the hub runtime, the JSON hub protocol and the connection layer. Idempotent.</summary>
    public static ISignalRServerBuilder AddSignalRLite(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSignalRLiteConnections();
        services.TryAddSingleton<DashboardAggregator>();
        var builder = services.AddSignalRLiteCore();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHubProtocol, JsonHubProtocol>());
        return builder;
    }

    /// <summary>
    /// Adds the hub runtime only: no hub protocol and no connection layer (<see cref="AddSignalRLite(IServiceCollection)"/>
    /// adds both). For hosts that add protocols themselves. Idempotent.
    /// </summary>
    public static ISignalRServerBuilder AddSignalRLiteCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.AddLogging();
        services.TryAddSingleton<SignalRLiteMarkerService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HubOptions>, HubOptionsSetup>());
        services.TryAddSingleton<IHubProtocolResolver, DefaultHubProtocolResolver>();
        services.TryAddScoped(typeof(IHubActivator<>), typeof(DefaultHubActivator<>));
        services.TryAddSingleton(typeof(HubLifetimeManager<>), typeof(DefaultHubLifetimeManager<>));
        services.TryAddSingleton(typeof(IHubContext<>), typeof(HubContext<>));
        services.TryAddSingleton(typeof(IHubAdmin<>), typeof(SignalRLite.Internal.Admin.HubAdmin<>));
        services.TryAddSingleton(typeof(IHubContext<,>), typeof(HubContext<,>));
        services.TryAddSingleton(typeof(HubConnectionHandler<>), typeof(HubConnectionHandler<>));
        services.TryAddSingleton(typeof(HubDispatcher<>), typeof(HubDispatcher<>));
        services.TryAddSingleton<IUserIdProvider, DefaultUserIdProvider>();
        // The clock of the heartbeat and the connections; tests replace it with a fake one.
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HubConnectionHeartbeat>();
        // The SignalRLite meter's hub instruments, on the app's IMeterFactory when there is one (AddSignalRLite adds it).
        services.TryAddSingleton<SignalRLiteMetrics>();
        return new SignalRServerBuilder(services);
    }

    /// <summary>Adds SignalRLite and configures the global <see cref="HubOptions"/>.</summary>
    public static ISignalRServerBuilder AddSignalRLite(this IServiceCollection services, Action<HubOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddSignalRLite();
        services.Configure(configure);
        return builder;
    }
}
