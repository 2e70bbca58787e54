using Microsoft.Extensions.DependencyInjection.Extensions;
using SignalRLite;
using SignalRLite.Internal.Drain;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the graceful drain (<see cref="IServerDrain"/>), a SignalRLite addition.</summary>
public static class GracefulDrainServerBuilderExtensions
{
    /// <summary>
    /// Makes <see cref="IServerDrain"/> injectable and, unless <see cref="GracefulDrainOptions.DrainOnShutdown"/> is
    /// turned off, drains when the host stops instead of ending every connection at once (the official behaviour).
    /// </summary>
    public static ISignalRServerBuilder AddGracefulDrain(this ISignalRServerBuilder signalrBuilder, Action<GracefulDrainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(signalrBuilder);
        var services = signalrBuilder.Services;
        services.AddOptions<GracefulDrainOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<ServerDrain>();
        services.TryAddSingleton<IServerDrain>(sp => sp.GetRequiredService<ServerDrain>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, DrainOnShutdownService>());
        return signalrBuilder;
    }
}
