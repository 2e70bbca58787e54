using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SignalRLite.Protocol;

// Shared source: compiled into the core and into SignalRLite.StackExchangeRedis (which has no access to the core's
// internals), each copy in a namespace of its own so that a test assembly seeing both sets of internals can name them.
#if SIGNALRLITE_STACKEXCHANGEREDIS
namespace SignalRLite.StackExchangeRedis.Internal;
#else
namespace SignalRLite.Internal.Hubs;
#endif

/// <summary>
/// The client-result invocations (<c>Clients.Client(id).InvokeAsync&lt;T&gt;</c>) a lifetime manager is waiting on, by
/// invocation id. Thread-safe and lock-free.
/// </summary>
/// <remarks>
/// Invariants: an entry's key is its <see cref="IPendingClientResult.InvocationId"/>; ids are never reused (a counter).
/// Whoever removes an entry (a Completion, a disconnect, the invoker's <see cref="IDisposable.Dispose"/>) is the only
/// one that acts on it through the tracker, so a Completion racing with a disconnect completes it once; the
/// <see cref="TaskCompletionSource{TResult}"/> keeps the first outcome anyway.
/// </remarks>
internal sealed class ClientResultTracker
{
    private readonly ConcurrentDictionary<string, IPendingClientResult> _pending = new(StringComparer.Ordinal);
    private readonly string _invocationIdPrefix;
    private long _lastId;

    /// <param name="invocationIdPrefix">Put before the counter: empty for the in-memory manager (ids "1", "2", ... as the official server sends them), unique per server for a backplane.</param>
    public ClientResultTracker(string invocationIdPrefix)
    {
        _invocationIdPrefix = invocationIdPrefix;
    }

    /// <summary>The outcome of an invocation whose connection closed first (the official server's text, observed).</summary>
    public static IOException Disconnected(string connectionId) => new($"Connection '{connectionId}' disconnected.");

    public int Count => _pending.Count;

    /// <summary>Tracks a new invocation for <paramref name="connectionId"/> under a fresh id, cancelled by <paramref name="cancellationToken"/>; dispose it when done.</summary>
    public PendingClientResult<T> Add<T>(string connectionId, CancellationToken cancellationToken)
    {
        var id = _invocationIdPrefix + Interlocked.Increment(ref _lastId).ToString(CultureInfo.InvariantCulture);
        var pending = new PendingClientResult<T>(this, id, connectionId);
        _pending[id] = pending;
        pending.CancelWhen(cancellationToken);
        AssertInvariants();
        return pending;
    }

    /// <summary>Completes the invocation with the Completion <paramref name="connectionId"/> sent; false when no such invocation waits for that connection.</summary>
    public bool TryComplete(string connectionId, CompletionMessage completion)
    {
        if (completion.InvocationId is { } id
            && _pending.TryGetValue(id, out var pending)
            && pending.ConnectionId == connectionId
            && _pending.TryRemove(new KeyValuePair<string, IPendingClientResult>(id, pending)))
        {
            pending.Complete(completion);
            return true;
        }

        return false;
    }

    /// <summary>Stops tracking an invocation and returns it, whatever its connection (a backplane's reply from another server).</summary>
    public bool TryTake(string invocationId, [NotNullWhen(true)] out IPendingClientResult? pending) => _pending.TryRemove(invocationId, out pending);

    public bool TryGetResultType(string invocationId, [NotNullWhen(true)] out Type? type)
    {
        type = _pending.TryGetValue(invocationId, out var pending) ? pending.ResultType : null;
        return type is not null;
    }

    /// <summary>Fails every invocation waiting for <paramref name="connectionId"/> with <see cref="Disconnected"/>.</summary>
    public void FailConnection(string connectionId)
    {
        // Enumerating a ConcurrentDictionary while it changes is safe; an invocation added for this connection after
        // the enumeration passed is failed by its own FailWhenClosed or by the invoker's write failing.
        foreach (var (id, pending) in _pending)
        {
            if (pending.ConnectionId == connectionId && _pending.TryRemove(new KeyValuePair<string, IPendingClientResult>(id, pending)))
            {
                pending.SetException(Disconnected(connectionId));
            }
        }
    }

    internal void Remove(IPendingClientResult pending) =>
        _pending.TryRemove(new KeyValuePair<string, IPendingClientResult>(pending.InvocationId, pending));

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        foreach (var (id, pending) in _pending)
        {
            Debug.Assert(id == pending.InvocationId, $"Invocation '{pending.InvocationId}' is tracked under '{id}'.");
        }
    }
}
