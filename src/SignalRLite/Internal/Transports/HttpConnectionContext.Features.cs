using System.Collections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using SignalRLite.Http.Connections.Features;
using SignalRLite.Internal.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The features of an <see cref="HttpConnectionContext"/>: the connection is its own feature collection (no object per
/// connection for it) and implements its own features, which are answered by type, without a dictionary; features set
/// by anyone else go to a collection created on the first set (which also overrides an own feature). Not thread-safe,
/// like <see cref="FeatureCollection"/> (<see cref="_setFeatures"/> is touched only through this interface, by the
/// application).
/// </summary>
internal sealed partial class HttpConnectionContext : IFeatureCollection
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

    private FeatureCollection? _setFeatures;

    public override IFeatureCollection Features => this;

    bool IFeatureCollection.IsReadOnly => false;

    int IFeatureCollection.Revision => _setFeatures?.Revision ?? 0;

    object? IFeatureCollection.this[Type key]
    {
        get => _setFeatures?[key] ?? (IsOwnFeature(key) ? this : null);
        set => (_setFeatures ??= new FeatureCollection())[key] = value;
    }

    TFeature? IFeatureCollection.Get<TFeature>() where TFeature : default => (TFeature?)((IFeatureCollection)this)[typeof(TFeature)];

    void IFeatureCollection.Set<TFeature>(TFeature? instance) where TFeature : default => ((IFeatureCollection)this)[typeof(TFeature)] = instance;

    IEnumerator<KeyValuePair<Type, object>> IEnumerable<KeyValuePair<Type, object>>.GetEnumerator() => EnumerateFeatures();

    IEnumerator IEnumerable.GetEnumerator() => EnumerateFeatures();

    private IEnumerator<KeyValuePair<Type, object>> EnumerateFeatures()
    {
        foreach (var type in s_ownFeatures)
        {
            if (IsOwnFeature(type) && _setFeatures?[type] is null)
            {
                yield return new(type, this);
            }
        }

        if (_setFeatures is not null)
        {
            foreach (var pair in _setFeatures)
            {
                yield return pair;
            }
        }
    }

    private bool IsOwnFeature(Type type) =>
        type == typeof(IStatefulReconnectFeature) ? UseStatefulReconnect : Array.IndexOf(s_ownFeatures, type) >= 0;
}
