using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

internal static class TransportServiceCollectionExtensions
{
    /// <summary>
    /// Registers the connection layer: dispatcher, connection manager, <see cref="ConnectionOptions"/> and the clock
    /// (<see cref="TimeProvider.System"/> unless the host registered another one). Idempotent.
    /// </summary>
    public static IServiceCollection AddSignalRLiteConnections(this IServiceCollection services)
    {
        services.AddOptions();
        services.AddLogging();
        if (!services.Any(d => d.ServiceType == typeof(System.Diagnostics.Metrics.IMeterFactory)))
        {
            // AddMetrics is not idempotent (it adds an options setup each time); the host usually registered it already.
            services.AddMetrics();
        }

        services.TryAddSingleton<HttpConnectionsMetrics>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HttpConnectionManager>();
        services.TryAddSingleton<HttpConnectionDispatcher>();
        return services;
    }
}
