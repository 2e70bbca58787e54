using Microsoft.Extensions.Options;
using SignalRLite.Protocol;

namespace SignalRLite.Hosting;

/// <summary>The official defaults of <see cref="HubOptions"/>; runs before the application's own configuration.</summary>
internal sealed class HubOptionsSetup : IConfigureOptions<HubOptions>
{
    internal static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(15);
    internal static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(15);
    internal static readonly TimeSpan DefaultClientTimeoutInterval = TimeSpan.FromSeconds(30);
    internal const long DefaultMaximumReceiveMessageSize = 32 * 1024;
    internal const int DefaultStreamBufferCapacity = 10;

    private readonly List<string> _protocolNames;

    public HubOptionsSetup(IEnumerable<IHubProtocol> protocols)
    {
        _protocolNames = protocols.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public void Configure(HubOptions options)
    {
        options.HandshakeTimeout ??= DefaultHandshakeTimeout;
        options.KeepAliveInterval ??= DefaultKeepAliveInterval;
        options.ClientTimeoutInterval ??= DefaultClientTimeoutInterval;
        options.MaximumReceiveMessageSize ??= DefaultMaximumReceiveMessageSize;
        options.StreamBufferCapacity ??= DefaultStreamBufferCapacity;
        options.EnableDetailedErrors ??= false;
        options.SupportedProtocols ??= [.. _protocolNames];
    }
}
