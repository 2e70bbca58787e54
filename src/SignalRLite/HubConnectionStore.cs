using System.Collections;
using System.Collections.Concurrent;

namespace SignalRLite;

/// <summary>
/// A thread-safe set of connections keyed by connection id, for custom <see cref="HubLifetimeManager{THub}"/>
/// implementations. Enumeration is safe while connections are added and removed; it sees a moment's members, not a
/// snapshot.
/// </summary>
public class HubConnectionStore
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new(StringComparer.Ordinal);

    /// <summary>The connection with this id, or <see langword="null"/>.</summary>
    public HubConnectionContext? this[string connectionId]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(connectionId);
            return _connections.TryGetValue(connectionId, out var connection) ? connection : null;
        }
    }

    /// <summary>The number of connections.</summary>
    public int Count => _connections.Count;

    /// <summary>Adds a connection (replacing one with the same id).</summary>
    public void Add(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections[connection.ConnectionId] = connection;
    }

    /// <summary>Removes a connection.</summary>
    public void Remove(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections.TryRemove(connection.ConnectionId, out _);
    }

    /// <summary>Enumerates the connections.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Enumerates the connections of a <see cref="HubConnectionStore"/>.</summary>
    public readonly struct Enumerator : IEnumerator<HubConnectionContext>
    {
        // The dictionary's enumerator is a class: the struct stays readonly and copies share one position.
        private readonly IEnumerator<KeyValuePair<string, HubConnectionContext>> _inner;

        /// <summary>Starts before the first connection of <paramref name="hubConnectionList"/>.</summary>
        public Enumerator(HubConnectionStore hubConnectionList)
        {
            ArgumentNullException.ThrowIfNull(hubConnectionList);
            _inner = hubConnectionList._connections.GetEnumerator();
        }

        /// <summary>The current connection.</summary>
        public HubConnectionContext Current => _inner.Current.Value;

        object IEnumerator.Current => Current;

        /// <summary>Moves to the next connection.</summary>
        public bool MoveNext() => _inner.MoveNext();

        /// <summary>Starts over.</summary>
        public void Reset() => _inner.Reset();

        /// <summary>Releases the enumeration.</summary>
        public void Dispose() => _inner.Dispose();
    }
}
