using System.Collections.Concurrent;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Per-connection dispatch state: the parallel-invocation limit (<see cref="Scheduler"/>), the client invocations in
/// flight that can be cancelled (for CancelInvocation) and the upload streams (for StreamItem and Completion).
/// </summary>
/// <remarks>
/// <para>No lock of its own: the scheduler has its lock; the two maps are concurrent dictionaries (the read loop adds
/// and looks up, invocations on the thread pool remove their own entries). Their creation on first use, and the
/// scheduler's, is a compare-exchange, so two threads racing to create one both end up with the same object.</para>
/// <para>Invariants:</para>
/// <list type="number">
/// <item>An entry of <see cref="Active"/> belongs to a running invocation: it removes exactly its own entry (key and
/// value) when it ends, so an invocation that reuses an id never loses its entry to the one before it.</item>
/// <item>An entry of <see cref="Streams"/> is a stream no invocation has ended yet; the same key-and-value removal holds.
/// A stream replaced by a newer one under the same id is kept in <see cref="_orphanedStreams"/> until the connection
/// ends (read loop only: <see cref="AddStream"/> runs on it, <see cref="CompleteStreams"/> after it stopped).</item>
/// </list>
/// </remarks>
internal sealed class HubConnectionInvocations
{
    /// <summary>Invocations that may wait for a slot, beyond the running ones, before the reader pauses.</summary>
    public const int MaxQueuedInvocations = InvocationScheduler.MaxQueuedInvocations;

    private readonly int _maxParallel;
    private readonly HubConnectionContext? _connection;
    private InvocationScheduler? _scheduler; // created on the first invocation, see Scheduler

    public HubConnectionInvocations(int maxParallel, HubConnectionContext? connection = null)
    {
        _maxParallel = maxParallel;
        _connection = connection;
    }

    /// <summary>
    /// Limits the invocations running at once and queues the others in arrival order. Created on first use (an idle
    /// connection holds no scheduler, its lock or queue); the read loop, a refresh notification and the end of the
    /// connection may race to create it, and the compare-exchange gives them all the same one.
    /// </summary>
    public InvocationScheduler Scheduler
    {
        get
        {
            if (Volatile.Read(ref _scheduler) is { } scheduler)
            {
                return scheduler;
            }

            return Interlocked.CompareExchange(ref _scheduler, new InvocationScheduler(_maxParallel, _connection), null) ?? _scheduler!;
        }
    }

    /// <summary>The scheduler exists (test hook: reading <see cref="Scheduler"/> creates it).</summary>
    internal bool SchedulerCreated => Volatile.Read(ref _scheduler) is not null;

    /// <summary>Invocations waiting for a slot.</summary>
    public int QueuedCount => Volatile.Read(ref _scheduler)?.QueuedCount ?? 0;

    /// <summary>Nothing in flight: no invocation running or waiting, no stream or cancellable invocation registered.</summary>
    public bool IsIdle => (Volatile.Read(ref _scheduler)?.IsIdle ?? true) && (_active is null || _active.IsEmpty) && (_streams is null || _streams.IsEmpty);

    // Created on first use: an idle connection holds neither (each is about half a kilobyte).
    private ConcurrentDictionary<string, CancellationTokenSource>? _active;
    private ConcurrentDictionary<string, IUploadStream>? _streams;

    /// <summary>Client invocation id → its cancellation source (only invocations that can observe cancellation).</summary>
    public ConcurrentDictionary<string, CancellationTokenSource> Active => _active ?? Create(ref _active);

    /// <summary>Rate limit leases held by running invocations (created by the read loop on the first one); null without hub rate limiting.</summary>
    public SignalRLite.Internal.RateLimiting.HubRateLimitLeases? RateLimitLeases { get; set; }

    /// <summary>Upload stream id → stream.</summary>
    public ConcurrentDictionary<string, IUploadStream> Streams => _streams ?? Create(ref _streams);

    /// <summary>Whether any upload stream was ever registered (reading <see cref="Streams"/> would create the map).</summary>
    public bool HasStreams => _streams is not null;

    /// <summary>Upload streams whose id a later invocation took over; they end with the connection. Read loop only.</summary>
    private List<IUploadStream>? _orphanedStreams;

    /// <summary>
    /// Registers an upload stream. An id already in use is taken over by the new stream, as on the official server
    /// (observed: no error, items go to the newest stream, the older one is never fed again and ends with the connection).
    /// </summary>
    public void AddStream(string id, IUploadStream stream)
    {
        var streams = Streams;
        while (!streams.TryAdd(id, stream))
        {
            if (streams.TryGetValue(id, out var previous) && streams.TryUpdate(id, stream, previous))
            {
                (_orphanedStreams ??= []).Add(previous);
                return;
            }
        }
    }

    /// <summary>Ends every upload stream of a connection that is ending (<paramref name="error"/> for the consumers).</summary>
    public void CompleteStreams(Exception error)
    {
        if (_streams is { } streams)
        {
            foreach (var stream in streams.Values)
            {
                stream.Complete(error);
            }
        }

        if (_orphanedStreams is { } orphans)
        {
            foreach (var stream in orphans)
            {
                stream.Complete(error);
            }
        }
    }

    private static ConcurrentDictionary<string, T> Create<T>(ref ConcurrentDictionary<string, T>? field)
    {
        Interlocked.CompareExchange(ref field, new ConcurrentDictionary<string, T>(StringComparer.Ordinal), null);
        return field;
    }
}
