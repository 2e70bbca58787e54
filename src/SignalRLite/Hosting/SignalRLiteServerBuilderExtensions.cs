using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SignalRLite;
using SignalRLite.Hosting;
using SignalRLite.Protocol;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configuration methods on the builder returned by <c>AddSignalRLite()</c>.</summary>
public static class SignalRLiteServerBuilderExtensions
{
    /// <summary>Configures the options of one hub; values not set here are those of the global <see cref="HubOptions"/>.</summary>
    public static ISignalRServerBuilder AddHubOptions<THub>(this ISignalRServerBuilder signalrBuilder, Action<HubOptions<THub>> configure) where THub : Hub
    {
        ArgumentNullException.ThrowIfNull(signalrBuilder);
        ArgumentNullException.ThrowIfNull(configure);
        signalrBuilder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HubOptions<THub>>, HubOptionsSetup<THub>>());
        signalrBuilder.Services.Configure(configure);
        return signalrBuilder;
    }

    /// <summary>
    /// Configures the JSON hub protocol (for example its <see cref="JsonHubProtocolOptions.PayloadSerializerOptions"/>).
    /// Generic over the builder, as the official method, so that it returns the builder it was called on.
    /// </summary>
    public static TBuilder AddJsonProtocol<TBuilder>(this TBuilder builder, Action<JsonHubProtocolOptions> configure) where TBuilder : ISignalRBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHubProtocol, JsonHubProtocol>());
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Registers the JSON hub protocol (<c>AddSignalRLite()</c> registers it already).</summary>
    public static TBuilder AddJsonProtocol<TBuilder>(this TBuilder builder) where TBuilder : ISignalRBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHubProtocol, JsonHubProtocol>());
        return builder;
    }
}
