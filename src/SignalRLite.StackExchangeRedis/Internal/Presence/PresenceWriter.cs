using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SignalRLite.StackExchangeRedis.Internal.Presence;

/// <summary>
/// Keeps this server's share of the cluster's presence in Redis: told of every membership change by the registry (as
/// its <see cref="IHubRegistryObserver"/>), it queues the change and one writer loop sends the queue to Redis in
/// batches, each batch one run of <see cref="PresenceScript"/>. A heartbeat on the injected <see cref="TimeProvider"/>
/// refreshes this server's <c>alive</c> key and sweeps dead servers. When Redis has lost this server's entries (Redis
/// restarted, or the server was swept after an outage longer than the expiry) or a batch failed, the next batch first
/// re-publishes everything this server holds and prunes what it no longer holds. Thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// One lock, <see cref="_lock"/>, guards <see cref="_mirror"/> (this server's connections with their user and groups).
/// The registry calls in with its own lock held (order: registry, then this), and each change updates the mirror and
/// is queued under this lock, so a snapshot taken under it is exactly the queue's state up to that point: changes
/// queued before it are already in it (re-applying them is a no-op, the script is idempotent), changes after it are
/// queued after it. No lock is held across a round trip: the loop owns the Redis calls.
/// </para>
/// <para>Invariant: the mirror holds exactly the registry's connections, each with its user and current groups (it is
/// changed only by the registry's calls, under both locks); <see cref="AssertInvariants"/> checks what it can see alone:
/// no group set is missing or holds a null name.</para>
/// </remarks>
internal sealed partial class PresenceWriter : IHubRegistryObserver, IDisposable
{
    private const int MaxBatch = 512;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string? User, HashSet<string> Groups)> _mirror = new(StringComparer.Ordinal);
    private readonly Channel<Op> _ops = Channel.CreateUnbounded<Op>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<PresenceContext> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RedisBus _bus;
    private readonly RedisOptions _options;
    private readonly string _hubName;
    private readonly string _serverName;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _expiryMs;
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _heartbeat;
    private Task _loop = Task.CompletedTask;
    private volatile bool _resync;

    public PresenceWriter(RedisBus bus, RedisOptions options, string hubName, string serverName, TimeProvider time, ILogger logger)
    {
        _bus = bus;
        _options = options;
        _hubName = hubName;
        _serverName = serverName;
        _time = time;
        _logger = logger;
        var expiry = options.PresenceExpiry;
        ArgumentOutOfRangeException.ThrowIfLessThan(expiry, TimeSpan.FromMilliseconds(300), nameof(RedisOptions.PresenceExpiry));
        _expiryMs = ((long)expiry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        HeartbeatInterval = expiry / 3;
    }

    /// <summary>How often the alive key is refreshed and dead servers are swept: a third of the expiry.</summary>
    public TimeSpan HeartbeatInterval { get; }

    /// <summary>The Redis names, once connected.</summary>
    public Task<PresenceContext> Ready => _ready.Task;

    /// <summary>The event channel, without the channel prefix (as the bus subscribes it).</summary>
    public string EventChannel => _hubName + ":presence";

    /// <summary>Registers this server first (the heartbeat is the first operation), then starts the loop and the timer.</summary>
    public void Start()
    {
        Enqueue('H', "", "", "");
        _loop = Task.Run(RunAsync);
        using (ExecutionContext.SuppressFlow())
        {
            _heartbeat = _time.CreateTimer(static s => ((PresenceWriter)s!).Tick(), this, HeartbeatInterval, HeartbeatInterval);
        }
    }

    /// <summary>Completes when every change queued before the call has been written (or its batch failed).</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_ops.Writer.TryWrite(new Op('N', "", "", "", 0, done)))
        {
            done.TrySetResult();
        }

        return done.Task;
    }

    /// <summary>Checks now whether Redis still holds this server (after the connection to Redis was restored).</summary>
    public void Tick()
    {
        Enqueue('H', "", "", "");
        Enqueue('S', "", "", "");
    }

    void IHubRegistryObserver.ConnectionAdded(string connectionId, string? userId)
    {
        lock (_lock)
        {
            _mirror[connectionId] = (userId, new HashSet<string>(StringComparer.Ordinal));
            Enqueue('C', connectionId, userId ?? "", userId is null ? "0" : "1");
            AssertInvariants();
        }
    }

    void IHubRegistryObserver.ConnectionRemoved(string connectionId, string? userId, IReadOnlyCollection<string>? groups)
    {
        lock (_lock)
        {
            _mirror.Remove(connectionId);
            Enqueue('D', connectionId, "", "");
            AssertInvariants();
        }
    }

    void IHubRegistryObserver.GroupJoined(string connectionId, string? userId, string groupName)
    {
        lock (_lock)
        {
            if (_mirror.TryGetValue(connectionId, out var entry))
            {
                entry.Groups.Add(groupName);
            }

            Enqueue('J', connectionId, groupName, "");
            AssertInvariants();
        }
    }

    void IHubRegistryObserver.GroupLeft(string connectionId, string? userId, string groupName)
    {
        lock (_lock)
        {
            if (_mirror.TryGetValue(connectionId, out var entry))
            {
                entry.Groups.Remove(groupName);
            }

            Enqueue('L', connectionId, groupName, "");
            AssertInvariants();
        }
    }

    /// <summary>Stops the heartbeat and removes this server's entries (their leave events included), waiting 2 s at most.</summary>
    public void Dispose()
    {
        _heartbeat?.Dispose();
        _stopping.Cancel();
        Enqueue('X', "", "", "");
        _ops.Writer.TryComplete();
        try
        {
            // Bounded: shutdown does not wait for a Redis that is down (the others sweep this server after the expiry).
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
    }

    private void Enqueue(char code, string a, string b, string c) =>
        _ops.Writer.TryWrite(new Op(code, a, b, c, _time.GetUtcNow().ToUnixTimeMilliseconds(), null));

    private async Task RunAsync()
    {
        // Connected first, retried every heartbeat while Redis cannot be reached (changes queue meanwhile).
        PresenceContext? context = null;
        while (context is null)
        {
            try
            {
                var subscriber = await _bus.GetAsync().ConfigureAwait(false);
                context = PresenceContext.Create(subscriber.Multiplexer, _options, _hubName, EventChannel, _serverName, _expiryMs);
                subscriber.Multiplexer.ConnectionRestored += (_, e) =>
                {
                    if (e.ConnectionType == ConnectionType.Interactive)
                    {
                        Tick();
                    }
                };
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                PresenceLog.WriteFailed(_logger, ex);
                try
                {
                    await Task.Delay(HeartbeatInterval, _time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _ready.TrySetException(new ObjectDisposedException(nameof(PresenceWriter)));
                    return;
                }
            }
        }

        _ready.TrySetResult(context);
        var reader = _ops.Reader;
        var batch = new List<Op>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var op))
            {
                batch.Add(op);
            }

            if (_resync)
            {
                _resync = false;
                await ResyncAsync(context).ConfigureAwait(false);
            }

            await ExecuteAsync(context, batch).ConfigureAwait(false);
            foreach (var op in batch)
            {
                op.Done?.TrySetResult();
            }
        }
    }

    // Everything this server holds, written again, and what it no longer holds pruned: 'B' clears the keep set, each
    // 'W' writes one connection with its groups and keeps it, 'P' disconnects this server's connections not kept.
    private async Task ResyncAsync(PresenceContext context)
    {
        var ops = new List<Op>();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        ops.Add(new Op('H', "", "", "", now, null));
        ops.Add(new Op('B', "", "", "", now, null));
        lock (_lock)
        {
            foreach (var (id, (user, groups)) in _mirror)
            {
                ops.Add(new Op('W', id, JsonSerializer.Serialize(new Snapshot(user, [.. groups]), PresenceJson.Default.Snapshot), "", now, null));
            }
        }

        ops.Add(new Op('P', "", "", "", now, null));
        PresenceLog.Republishing(_logger, ops.Count - 3);
        for (var i = 0; i < ops.Count; i += MaxBatch)
        {
            await ExecuteAsync(context, ops.GetRange(i, Math.Min(MaxBatch, ops.Count - i))).ConfigureAwait(false);
        }
    }

    private async Task ExecuteAsync(PresenceContext context, List<Op> batch)
    {
        var values = context.Arguments(batch.Count);
        var at = PresenceScript.Header;
        foreach (var op in batch)
        {
            values[at++] = op.Code.ToString();
            values[at++] = op.A;
            values[at++] = op.B;
            values[at++] = op.C;
            values[at++] = op.Timestamp;
        }

        try
        {
            var results = (RedisResult[])(await context.Database.ScriptEvaluateAsync(PresenceScript.Source, values: values).ConfigureAwait(false))!;
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Code == 'H' && (long)results[i] == 0)
                {
                    // This server was not registered: Redis restarted or swept it (or this is the first heartbeat).
                    RequestResync();
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            PresenceLog.WriteFailed(_logger, ex);
            _resync = true;
        }
    }

    private void RequestResync()
    {
        _resync = true;
        _ops.Writer.TryWrite(new Op('N', "", "", "", 0, null)); // wakes the loop
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        foreach (var (_, (_, groups)) in _mirror)
        {
            Debug.Assert(groups is not null && !groups.Contains(null!), "A mirrored connection has no group set, or a null group.");
        }
    }

    private readonly record struct Op(char Code, string A, string B, string C, long Timestamp, TaskCompletionSource? Done);
}

/// <summary>One connection in a re-publish: its user (omitted when none) and its groups.</summary>
internal sealed record Snapshot(
    [property: System.Text.Json.Serialization.JsonPropertyName("u")][property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? User,
    [property: System.Text.Json.Serialization.JsonPropertyName("g")] string[] Groups);

[System.Text.Json.Serialization.JsonSerializable(typeof(Snapshot))]
internal sealed partial class PresenceJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>The Redis names of one hub's presence, known once connected (the channel prefix comes from the connection).</summary>
internal sealed class PresenceContext
{
    private PresenceContext(IDatabase database, RedisValue[] header)
    {
        Database = database;
        _header = header;
    }

    private readonly RedisValue[] _header;

    public IDatabase Database { get; }

    public static PresenceContext Create(IConnectionMultiplexer redis, RedisOptions options, string hubName, string eventChannel, string serverName, string expiryMs)
    {
        // The prefix the subscriber adds to channel names (the connection's own when it came from ConnectionFactory): the
        // script publishes to the full name, and the keys take the same prefix so that applications sharing a Redis
        // through channel prefixes do not share presence.
        var prefix = ConfigurationOptions.Parse(redis.Configuration).ChannelPrefix.ToString();
        if (string.IsNullOrEmpty(prefix))
        {
            prefix = options.ConnectionFactory is null ? options.Configuration.ChannelPrefix.ToString() : "";
        }

        // The hub in a hash tag: every key of the hub in one slot.
        return new PresenceContext(redis.GetDatabase(), [prefix + "signalrlite:presence:{" + hubName + "}:", prefix + eventChannel, serverName, expiryMs]);
    }

    /// <summary>The script's arguments: the header, then room for <paramref name="operations"/> operations.</summary>
    public RedisValue[] Arguments(int operations)
    {
        var values = new RedisValue[PresenceScript.Header + (operations * PresenceScript.Fields)];
        _header.CopyTo(values, 0);
        return values;
    }
}
