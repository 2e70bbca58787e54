using Microsoft.Extensions.DependencyInjection.Extensions;
using SignalRLite;
using SignalRLite.Protocol;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MessagePack hub protocol with a SignalRLite server.</summary>
public static class SignalRLiteMessagePackDependencyInjectionExtensions
{
    /// <summary>
    /// Enables the <c>messagepack</c> hub protocol. Calling it more than once registers the protocol once.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddSignalRLite()</c>.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddMessagePackProtocol<TBuilder>(this TBuilder builder) where TBuilder : ISignalRBuilder
        => AddMessagePackProtocol(builder, static _ => { });

    /// <summary>
    /// Enables the <c>messagepack</c> hub protocol and configures its options.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddSignalRLite()</c>.</param>
    /// <param name="configure">Configures the options, for example the serializer's resolvers.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddMessagePackProtocol<TBuilder>(this TBuilder builder, Action<MessagePackHubProtocolOptions> configure) where TBuilder : ISignalRBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHubProtocol, MessagePackHubProtocol>());
        builder.Services.Configure(configure);
        return builder;
    }
}
