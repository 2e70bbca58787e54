using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

/// <summary>The default <see cref="IHubProtocolResolver"/>: the registered protocols, by name; immutable once built.</summary>
internal sealed class DefaultHubProtocolResolver : IHubProtocolResolver
{
    private readonly Dictionary<string, IHubProtocol> _byName = new(StringComparer.OrdinalIgnoreCase);

    public DefaultHubProtocolResolver(IEnumerable<IHubProtocol> protocols)
    {
        var all = new List<IHubProtocol>();
        foreach (var protocol in protocols)
        {
            // A protocol registered twice under one name: the last registration wins, as DI resolution does.
            if (_byName.TryGetValue(protocol.Name, out var earlier))
            {
                all.Remove(earlier);
            }

            _byName[protocol.Name] = protocol;
            all.Add(protocol);
        }

        AllProtocols = all;
    }

    public IReadOnlyList<IHubProtocol> AllProtocols { get; }

    public IHubProtocol? GetProtocol(string protocolName, IReadOnlyList<string>? supportedProtocols)
    {
        ArgumentNullException.ThrowIfNull(protocolName);
        if (!_byName.TryGetValue(protocolName, out var protocol))
        {
            return null;
        }

        if (supportedProtocols is null)
        {
            return protocol;
        }

        foreach (var name in supportedProtocols)
        {
            if (string.Equals(name, protocolName, StringComparison.OrdinalIgnoreCase))
            {
                return protocol;
            }
        }

        return null;
    }
}
