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
    public static ISignalRServerBuilder AddHubOptions<THub>(this ISignalRServerBuilder builder, Action<HubOptions<THub>> configure) where THub : Hub
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HubOptions<THub>>, HubOptionsSetup<THub>>());
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Configures the JSON hub protocol (for example its <see cref="JsonHubProtocolOptions.PayloadSerializerOptions"/>).</summary>
    public static ISignalRServerBuilder AddJsonProtocol(this ISignalRServerBuilder builder, Action<JsonHubProtocolOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHubProtocol, JsonHubProtocol>());
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Registers the JSON hub protocol (it is registered by default).</summary>
    public static ISignalRServerBuilder AddJsonProtocol(this ISignalRServerBuilder builder) => builder.AddJsonProtocol(static _ => { });
}
