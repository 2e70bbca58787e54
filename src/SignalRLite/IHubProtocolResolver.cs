using SignalRLite.Protocol;

namespace SignalRLite;

/// <summary>
/// The hub protocols a server offers, and the choice of one for a connection's handshake. The default resolver
/// offers every registered <see cref="IHubProtocol"/>; replace it in DI to choose differently.
/// </summary>
public interface IHubProtocolResolver
{
    /// <summary>Every protocol the server offers.</summary>
    IReadOnlyList<IHubProtocol> AllProtocols { get; }

    /// <summary>
    /// The protocol named <paramref name="protocolName"/> (case-insensitive), or <see langword="null"/> when it is not
    /// offered or not in <paramref name="supportedProtocols"/> (the hub's <see cref="HubOptions.SupportedProtocols"/>;
    /// <see langword="null"/> allows all).
    /// </summary>
    IHubProtocol? GetProtocol(string protocolName, IReadOnlyList<string>? supportedProtocols);
}
