using Microsoft.Extensions.Options;
using SignalRLite.Internal.Hubs;
using SignalRLite.Protocol;

namespace SignalRLite.Hosting;

/// <summary>The official defaults of <see cref="HubOptions"/>; runs before the application's own configuration.</summary>
internal sealed class HubOptionsSetup : IConfigureOptions<HubOptions>
{
    private readonly List<string> _protocolNames;

    public HubOptionsSetup(IEnumerable<IHubProtocol> protocols)
    {
        _protocolNames = protocols.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public void Configure(HubOptions options)
    {
        options.HandshakeTimeout ??= HubOptionsDefaults.HandshakeTimeout;
        options.KeepAliveInterval ??= HubOptionsDefaults.KeepAliveInterval;
        // ClientTimeoutInterval stays null here, as in the official options (observed): the handler applies its default.
        options.MaximumReceiveMessageSize ??= HubOptionsDefaults.MaximumReceiveMessageSize;
        options.StreamBufferCapacity ??= HubOptionsDefaults.StreamBufferCapacity;
        // EnableDetailedErrors stays null too (official, observed); the handler reads null as false.
        options.SupportedProtocols ??= [.. _protocolNames];
    }
}
