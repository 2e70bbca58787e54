using System.Collections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using SignalRLite.Http.Connections.Features;
using SignalRLite.Internal.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The features of an <see cref="HttpConnectionContext"/>, which implements its own features: those are answered by type,
/// without a dictionary per connection; features set by anyone else go to a collection created on the first set (which
/// also overrides an own feature). Not thread-safe, like <see cref="FeatureCollection"/>.
/// </summary>
internal sealed class HttpConnectionFeatures(HttpConnectionContext owner, bool statefulReconnect) : IFeatureCollection
{
    private static readonly Type[] s_ownFeatures =
    [
        typeof(IConnectionIdFeature),
        typeof(IConnectionItemsFeature),
        typeof(IConnectionTransportFeature),
        typeof(IConnectionLifetimeFeature),
        typeof(IConnectionUserFeature),
        typeof(IConnectionHeartbeatFeature),
        typeof(IConnectionEndPointFeature),
        typeof(IConnectionInherentKeepAliveFeature),
        typeof(ITransferFormatFeature),
        typeof(IHttpContextFeature),
        typeof(IHttpTransportFeature),
        typeof(IStatefulReconnectFeature),
        typeof(IConnectionAuthenticatedUserFeature),
    ];

    private FeatureCollection? _set;

    public bool IsReadOnly => false;

    public int Revision => _set?.Revision ?? 0;

    public object? this[Type key]
    {
        get => _set?[key] ?? (IsOwn(key) ? owner : null);
        set => (_set ??= new FeatureCollection())[key] = value;
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        foreach (var type in s_ownFeatures)
        {
            if (IsOwn(type) && _set?[type] is null)
            {
                yield return new(type, owner);
            }
        }

        if (_set is not null)
        {
            foreach (var pair in _set)
            {
                yield return pair;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private bool IsOwn(Type type) =>
        type == typeof(IStatefulReconnectFeature) ? statefulReconnect : Array.IndexOf(s_ownFeatures, type) >= 0;
}
