using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

internal static class TransportServiceCollectionExtensions
{
    /// <summary>Registers the connection layer: dispatcher, connection manager and <see cref="ConnectionOptions"/>. Idempotent.</summary>
    public static IServiceCollection AddSignalRLiteConnections(this IServiceCollection services)
    {
        services.AddOptions();
        services.AddLogging();
        services.TryAddSingleton<HttpConnectionManager>();
        services.TryAddSingleton<HttpConnectionDispatcher>();
        return services;
    }
}
