using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SignalRLite.StackExchangeRedis.Internal.Presence;

/// <summary>
/// <see cref="IHubPresence{THub}"/> for the whole cluster: every query is one run of <see cref="PresenceScript"/> (a sweep
/// of dead servers, then the count or the page), and the events are those every server's changes publish on the hub's
/// presence channel, handed to this server's subscribers. Thread-safe.
/// </summary>
/// <remarks>
/// One lock, <see cref="_lock"/>, guards <see cref="_subscribers"/> (an array replaced under it). The presence channel's
/// messages are handled one at a time in Redis's order (see <see cref="RedisBus"/>), and each is written to every
/// subscriber's unbounded channel under the lock, so each subscriber gets each event once, in Redis's order, and a
/// subscription sees exactly the events received after it was added.
/// </remarks>
internal sealed class RedisPresence<THub> : IHubPresence<THub>, IPresenceEventSource where THub : Hub
{
    private readonly Lock _lock = new();
    private readonly PresenceWriter _writer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Task _ready;
    private ChannelWriter<HubPresenceEvent>[] _subscribers = [];

    public RedisPresence(PresenceWriter writer, RedisBus bus, TimeProvider time, ILogger logger)
    {
        _writer = writer;
        _time = time;
        _logger = logger;
        _ready = StartAsync(bus);
    }

    public ValueTask<long> GetConnectionCountAsync(CancellationToken cancellationToken = default) => CountAsync('Z', "cz", "", cancellationToken);

    public ValueTask<long> GetUserConnectionCountAsync(string userId, CancellationToken cancellationToken = default) => CountAsync('G', "u", NotNull(userId), cancellationToken);

    public ValueTask<long> GetGroupConnectionCountAsync(string groupName, CancellationToken cancellationToken = default) => CountAsync('Z', "g:" + NotNull(groupName), "", cancellationToken);

    public ValueTask<long> GetUserCountAsync(CancellationToken cancellationToken = default) => CountAsync('Z', "uz", "", cancellationToken);

    public ValueTask<long> GetGroupUserCountAsync(string groupName, CancellationToken cancellationToken = default) => CountAsync('Z', "guz:" + NotNull(groupName), "", cancellationToken);

    public async ValueTask<bool> IsOnlineAsync(string userId, CancellationToken cancellationToken = default) =>
        await CountAsync('G', "u", NotNull(userId), cancellationToken).ConfigureAwait(false) > 0;

    public ValueTask<HubPresencePage> GetConnectionsAsync(string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        PageAsync("cz", continuationToken, pageSize, cancellationToken);

    public ValueTask<HubPresencePage> GetUserConnectionsAsync(string userId, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        PageAsync("u:" + NotNull(userId), continuationToken, pageSize, cancellationToken);

    public ValueTask<HubPresencePage> GetGroupConnectionsAsync(string groupName, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        PageAsync("g:" + NotNull(groupName), continuationToken, pageSize, cancellationToken);

    public ValueTask<HubPresencePage> GetUsersAsync(string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        PageAsync("uz", continuationToken, pageSize, cancellationToken);

    public ValueTask<HubPresencePage> GetGroupUsersAsync(string groupName, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        PageAsync("guz:" + NotNull(groupName), continuationToken, pageSize, cancellationToken);

    public ValueTask<HubPresencePage> GetConnectionGroupsAsync(string connectionId, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        PageAsync("cg:" + NotNull(connectionId), continuationToken, pageSize, cancellationToken);

    public ValueTask<HubPresencePage> GetUserGroupsAsync(string userId, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        PageAsync("ugz:" + NotNull(userId), continuationToken, pageSize, cancellationToken);

    public IAsyncEnumerable<HubPresenceEvent> WatchAsync(CancellationToken cancellationToken = default) =>
        PresenceEventStreams.Watch(this, cancellationToken);

    public IDisposable Subscribe(Func<HubPresenceEvent, CancellationToken, Task> callback) =>
        PresenceEventStreams.Subscribe(this, callback);

    /// <summary>Completes once the presence channel is subscribed and the names are known (queries wait for it).</summary>
    public Task Ready => _ready;

    private async Task StartAsync(RedisBus bus)
    {
        await _writer.Ready.ConfigureAwait(false);

        // Retried every heartbeat while Redis cannot be reached; StackExchange.Redis renews it after a reconnect.
        while (true)
        {
            try
            {
                await bus.SubscribeAsync(_writer.EventChannel, OnEventAsync).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                PresenceLog.WriteFailed(_logger, ex);
                await Task.Delay(_writer.HeartbeatInterval, _time).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<long> CountAsync(char op, string key, string field, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(op, key, field, "", cancellationToken).ConfigureAwait(false);
        return (long)result;
    }

    private async ValueTask<HubPresencePage> PageAsync(string key, string? after, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);

        // ZRANGEBYLEX: members after the token in byte order of their UTF-8, one more than a page to know if another follows.
        var result = (RedisResult[])(await QueryAsync('R', key, after is null ? "-" : "(" + after, (pageSize + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false))!;
        var count = Math.Min(result.Length, pageSize);
        var items = new string[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = (string)result[i]!;
        }

        return new HubPresencePage(items, result.Length > pageSize ? items[^1] : null);
    }

    // One round trip: the sweep of dead servers ('S'), then the read.
    // Waits (cancellably) until presence is connected: before that there is nothing to ask.
    private async Task<RedisResult> QueryAsync(char op, string key, string b, string c, CancellationToken cancellationToken)
    {
        await _ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        var context = await _writer.Ready.ConfigureAwait(false);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var values = context.Arguments(2);
        var at = PresenceScript.Header;
        foreach (var field in (ReadOnlySpan<RedisValue>)["S", "", "", "", now, op.ToString(), key, b, c, now])
        {
            values[at++] = field;
        }

        var results = (RedisResult[])(await context.Database.ScriptEvaluateAsync(PresenceScript.Source, values: values).ConfigureAwait(false))!;
        return results[1];
    }

    private Task OnEventAsync(ReadOnlyMemory<byte> payload)
    {
        HubPresenceEvent e;
        try
        {
            e = Parse(payload.Span);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            PresenceLog.EventUnreadable(_logger, ex);
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            foreach (var subscriber in _subscribers)
            {
                // Unbounded: never fails but after the subscriber was removed (and completed).
                subscriber.TryWrite(e);
            }
        }

        return Task.CompletedTask;
    }

    // {"k":kind,"c":connection,"u":user?,"g":group?,"t":"ms since the epoch"} as the script's cjson writes it.
    private static HubPresenceEvent Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        int kind = -1;
        string? connection = null, user = null, group = null;
        long time = 0;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "k": kind = reader.GetInt32(); break;
                case "c": connection = reader.GetString(); break;
                case "u": user = reader.GetString(); break;
                case "g": group = reader.GetString(); break;
                case "t": time = reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : long.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture); break;
                default: reader.Skip(); break;
            }
        }

        if (kind is < 0 or > (int)HubPresenceEventKind.GroupLeft || connection is null)
        {
            throw new FormatException("Not a presence event.");
        }

        return new HubPresenceEvent((HubPresenceEventKind)kind, connection, user, group, DateTimeOffset.FromUnixTimeMilliseconds(time));
    }

    public void AddSubscriber(ChannelWriter<HubPresenceEvent> writer)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, writer];
        }
    }

    public void RemoveSubscriber(ChannelWriter<HubPresenceEvent> writer)
    {
        lock (_lock)
        {
            _subscribers = Array.FindAll(_subscribers, w => !ReferenceEquals(w, writer));
        }

        writer.TryComplete();
    }

    public void OnCallbackFailed(HubPresenceEventKind kind, Exception exception) => PresenceLog.CallbackFailed(_logger, kind, exception);

    private static string NotNull(string value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value;
    }
}
