using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignalRLite.Protocol;
using SignalRLite.StackExchangeRedis.Internal;

namespace SignalRLite.StackExchangeRedis;

/// <summary>
/// A <see cref="HubLifetimeManager{THub}"/> that spans servers through Redis pub/sub. Thread-safe.
/// </summary>
/// <remarks>
/// Each server subscribes only to the channels of what it holds: the hub's <c>all</c> channel once it has a connection, one
/// channel per local connection, per local user and per group with a local member, and its own reply channel. Groups and
/// users therefore live in subscriptions, not in shared Redis state: a server that dies takes its memberships with it.
/// (Cluster presence and durable groups, off unless enabled, do keep shared state: <c>RedisHubLifetimeManager.Presence.cs</c>.)
/// A send is serialised once per registered protocol into one envelope and published once per target channel; the
/// returned task completes when Redis has accepted the publish (not when clients have received it). Local connections
/// are kept, and written to, as by <see cref="DefaultHubLifetimeManager{THub}"/> (the same registry, client-result
/// tracking and <see cref="HubFanOut"/> slow-consumer policy); this class adds only what Redis needs. Its traffic is
/// measured on the <c>SignalRLite</c> meter and traced on the <c>SignalRLite.StackExchangeRedis</c> activity source
/// (docs/observability.md). The receiving side is in <c>RedisHubLifetimeManager.Receiving.cs</c>.
/// </remarks>
public partial class RedisHubLifetimeManager<THub> : HubLifetimeManager<THub>, IDisposable where THub : Hub
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);

    // No lock of its own: the registry, the tracker and the bus are thread-safe each, and the dictionaries below are
    // concurrent, each entry acted on by whoever removes it.
    private readonly ILogger _logger;
    private readonly IHubProtocol[] _protocols;
    private readonly RedisEnvelope.ProtocolNames _protocolNames;
    private readonly RedisChannels _channels;
    private readonly string _serverName;
    private readonly HubConnectionRegistry _registry = new();
    private readonly ClientResultTracker _results;
    private readonly RedisBus _bus;
    private readonly RedisTelemetry _telemetry;
    private readonly Action<HubConnectionContext, InvalidOperationException> _noFrame;
    private readonly ConcurrentDictionary<string, RemoteInvocation> _remoteInvocations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _acks = new();
    private long _lastAckId;
    private bool _disposed;

    /// <summary>Creates the manager for every protocol of <paramref name="hubProtocolResolver"/>; the Redis connection is made on first use.</summary>
    public RedisHubLifetimeManager(ILogger<RedisHubLifetimeManager<THub>> logger, IOptions<RedisOptions> options, IHubProtocolResolver hubProtocolResolver)
        : this(logger, options, hubProtocolResolver, globalHubOptions: null, hubOptions: null)
    {
    }

    /// <summary>
    /// Creates the manager for the protocols of <paramref name="hubProtocolResolver"/> that the hub supports
    /// (<see cref="HubOptions.SupportedProtocols"/> of the hub, else the global options; all when neither is given):
    /// messages are serialised once per protocol a connection can use. The Redis connection is made on first use.
    /// </summary>
    public RedisHubLifetimeManager(ILogger<RedisHubLifetimeManager<THub>> logger, IOptions<RedisOptions> options, IHubProtocolResolver hubProtocolResolver,
        IOptions<HubOptions>? globalHubOptions, IOptions<HubOptions<THub>>? hubOptions)
        : this(logger, options, hubProtocolResolver, globalHubOptions, hubOptions, meterFactory: null, timeProvider: null)
    {
    }

    /// <summary>
    /// Creates the manager as the constructor above, recording the backplane's metrics on the <c>SignalRLite</c> meter of
    /// <paramref name="meterFactory"/> (see docs/observability.md) and timing publishes with <paramref name="timeProvider"/>
    /// (<see cref="TimeProvider.System"/> when null). The constructor dependency injection uses.
    /// </summary>
    public RedisHubLifetimeManager(ILogger<RedisHubLifetimeManager<THub>> logger, IOptions<RedisOptions> options, IHubProtocolResolver hubProtocolResolver,
        IOptions<HubOptions>? globalHubOptions, IOptions<HubOptions<THub>>? hubOptions, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hubProtocolResolver);
        _logger = logger;
        var supported = hubOptions?.Value.SupportedProtocols ?? globalHubOptions?.Value.SupportedProtocols;
        _protocols = [.. hubProtocolResolver.AllProtocols
            .Where(p => supported is null || supported.Contains(p.Name, StringComparer.OrdinalIgnoreCase))
            .DistinctBy(p => p.Name, StringComparer.Ordinal)];
        _protocolNames = new RedisEnvelope.ProtocolNames(_protocols.Select(p => p.Name));
        _channels = new RedisChannels(typeof(THub).FullName!);
        var id = Guid.NewGuid().ToString("N");
        _serverName = Environment.MachineName + "_" + id;
        _results = new ClientResultTracker("r" + id[..12] + "-");
        _telemetry = new RedisTelemetry(meterFactory, timeProvider ?? TimeProvider.System, typeof(THub).Name);
        _registry.FanOutObserver = _telemetry.FannedOut;
        _bus = new RedisBus(logger, options.Value, _serverName, _channels.Server(_serverName), OnServerMessageAsync, _telemetry);
        InitializeCluster(options.Value, timeProvider);
        _noFrame = (connection, ex) => RedisLog.NoFrameForProtocol(_logger, connection.ConnectionId, connection.Protocol.Name, ex);
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        if (!_bus.IsSubscribed(_channels.All))
        {
            await _bus.ReconcileAsync(_channels.All, static () => true, DeliverAllAsync).ConfigureAwait(false);
        }

        await SubscribeAdminAsync().ConfigureAwait(false); // RedisHubLifetimeManager.Admin.cs

        _registry.Add(connection);
        await _bus.SubscribeAsync(_channels.Connection(connection.ConnectionId), payload => OnConnectionMessageAsync(connection, payload)).ConfigureAwait(false);
        if (connection.UserIdentifier is { } user)
        {
            await ReconcileUserAsync(user).ConfigureAwait(false);
        }

        await OnConnectedClusterAsync(connection).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        var id = connection.ConnectionId;
        var groups = _registry.Remove(connection);
        _results.FailConnection(id);
        await _bus.UnsubscribeAsync(_channels.Connection(id)).ConfigureAwait(false);
        if (groups is not null)
        {
            foreach (var group in groups)
            {
                await ReconcileGroupAsync(group).ConfigureAwait(false);
            }
        }

        if (connection.UserIdentifier is { } user)
        {
            await ReconcileUserAsync(user).ConfigureAwait(false);
        }

        foreach (var remote in _remoteInvocations)
        {
            if (remote.Value.ConnectionId == id && _remoteInvocations.TryRemove(remote.Key, out var invocation))
            {
                await _bus.TryPublishAsync(_channels.Server(invocation.ReplyServer), RedisEnvelope.WriteClientResultError(remote.Key, $"Connection '{id}' disconnected."), RedisChannelKind.Return).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishAsync(RedisChannelKind.All, _channels.All, methodName, args, null);

    /// <inheritdoc />
    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        PublishAsync(RedisChannelKind.All, _channels.All, methodName, args, excludedConnectionIds);

    /// <inheritdoc />
    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);

        // A local connection is written directly, no round trip through Redis; one target waits as with the default manager.
        return _registry.TryGetConnection(connectionId, out var connection)
            ? connection.WriteAsync(new InvocationMessage(methodName, args), cancellationToken).AsTask()
            : PublishAsync(RedisChannelKind.Connection, _channels.Connection(connectionId), methodName, args, null);
    }

    /// <inheritdoc />
    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionIds);

        // The local ones with the slow-consumer policy, as the default manager; the others through Redis.
        var local = _registry.SendConnectionsAsync(connectionIds, new SerializedHubMessage(new InvocationMessage(methodName, args)), cancellationToken);
        List<string>? remote = null;
        foreach (var id in connectionIds)
        {
            if (!_registry.Contains(id))
            {
                (remote ??= []).Add(id);
            }
        }

        return remote is null ? local : Task.WhenAll(local, PublishManyAsync(RedisChannelKind.Connection, remote, _channels.Connection, methodName, args));
    }

    /// <inheritdoc />
    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return PublishAsync(RedisChannelKind.Group, _channels.Group(groupName), methodName, args, null);
    }

    /// <inheritdoc />
    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishManyAsync(RedisChannelKind.Group, groupNames, _channels.Group, methodName, args);

    /// <inheritdoc />
    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return PublishAsync(RedisChannelKind.Group, _channels.Group(groupName), methodName, args, excludedConnectionIds);
    }

    /// <inheritdoc />
    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return PublishAsync(RedisChannelKind.User, _channels.User(userId), methodName, args, null);
    }

    /// <inheritdoc />
    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishManyAsync(RedisChannelKind.User, userIds, _channels.User, methodName, args);

    /// <inheritdoc />
    /// <remarks>For a connection on another server the command travels through Redis and waits for that server's acknowledgement (5 s at most).</remarks>
    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        return _registry.Contains(connectionId)
            ? AddLocalAsync(connectionId, groupName)
            : SendGroupCommandAsync(connectionId, groupName, add: true, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>For a connection on another server the command travels through Redis and waits for that server's acknowledgement (5 s at most).</remarks>
    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        return _registry.Contains(connectionId)
            ? RemoveLocalAsync(connectionId, groupName)
            : SendGroupCommandAsync(connectionId, groupName, add: false, cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        using var pending = _results.Add<T>(connectionId, cancellationToken);
        var message = new InvocationMessage(pending.InvocationId, methodName, args);
        if (_registry.TryGetConnection(connectionId, out var connection))
        {
            pending.FailWhenClosed(connection.ConnectionAborted);
            await connection.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            return await pending.Task.ConfigureAwait(false);
        }

        long receivers;
        using (var activity = _telemetry.StartProducer(RedisChannelKind.Invocation))
        {
            var payload = RedisEnvelope.WriteInvocation(_protocols, message, null, pending.InvocationId, _serverName, RedisTraceContext.From(activity));
            receivers = await _bus.PublishAsync(_channels.Connection(connectionId), payload, RedisChannelKind.Invocation).ConfigureAwait(false);
        }

        if (receivers == 0)
        {
            throw new IOException($"Connection '{connectionId}' does not exist.");
        }

        return await pending.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task SetConnectionResultAsync(string connectionId, CompletionMessage result)
    {
        var id = result.InvocationId;
        if (id is null || _results.TryComplete(connectionId, result))
        {
            return;
        }

        if (_remoteInvocations.TryGetValue(id, out var remote) && remote.ConnectionId == connectionId && _remoteInvocations.TryRemove(id, out _)
            && _registry.TryGetConnection(connectionId, out var connection))
        {
            // Re-encoded in the connection's protocol; the invoking server parses it with the result type it expects.
            var frame = connection.Protocol.GetMessageBytes(result);
            await _bus.PublishAsync(_channels.Server(remote.ReplyServer), RedisEnvelope.WriteClientResult(id, connection.Protocol.Name, frame.Span), RedisChannelKind.Return).ConfigureAwait(false);
            return;
        }

        RedisLog.UnexpectedClientResult(_logger, id);
    }

    /// <inheritdoc />
    public override bool TryGetReturnType(string invocationId, [NotNullWhen(true)] out Type? type)
    {
        if (_results.TryGetResultType(invocationId, out type))
        {
            return true;
        }

        if (_remoteInvocations.ContainsKey(invocationId))
        {
            // The invoking server knows the type: bind loosely here and convert there.
            type = typeof(object);
            return true;
        }

        type = null;
        return false;
    }

    /// <summary>Unsubscribes, and closes the Redis connection unless it came from <see cref="RedisOptions.ConnectionFactory"/>.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Unsubscribes and closes the Redis connection.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing || _disposed)
        {
            return;
        }

        _disposed = true;
        DisposeCluster();
        _bus.Dispose();
        _telemetry.Dispose();
    }

    private byte[] Envelope(string methodName, object?[] args, IReadOnlyList<string>? excluded, Activity? producer) =>
        RedisEnvelope.WriteInvocation(_protocols, new InvocationMessage(methodName, args), excluded is { Count: > 0 } ? excluded : null, trace: RedisTraceContext.From(producer));

    // A hub send: one envelope, published to one channel or to several. Traced only when somebody listens, in an async
    // method of its own so that the Producer span is never left current in the caller.
    private Task PublishAsync(RedisChannelKind kind, string channel, string methodName, object?[] args, IReadOnlyList<string>? excluded) =>
        RedisTelemetry.IsTracing
            ? PublishTracedAsync(kind, [channel], null, methodName, args, excluded)
            : _bus.PublishAsync(channel, Envelope(methodName, args, excluded, null), kind);

    private Task PublishManyAsync(RedisChannelKind kind, IReadOnlyList<string> keys, Func<string, string> channel, string methodName, object?[] args)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return RedisTelemetry.IsTracing
            ? PublishTracedAsync(kind, keys, channel, methodName, args, null)
            : PublishEachAsync(kind, keys, channel, Envelope(methodName, args, null, null));
    }

    private async Task PublishTracedAsync(RedisChannelKind kind, IReadOnlyList<string> keys, Func<string, string>? channel, string methodName, object?[] args, IReadOnlyList<string>? excluded)
    {
        using var activity = _telemetry.StartProducer(kind);
        try
        {
            await PublishEachAsync(kind, keys, channel, Envelope(methodName, args, excluded, activity)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RedisTelemetry.Failed(activity, ex);
            throw;
        }
    }

    // Keys are channel names when channel is null.
    private Task PublishEachAsync(RedisChannelKind kind, IReadOnlyList<string> keys, Func<string, string>? channel, byte[] payload)
    {
        if (keys.Count == 1)
        {
            return _bus.PublishAsync(channel is null ? keys[0] : channel(keys[0]), payload, kind);
        }

        var tasks = new Task[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            tasks[i] = _bus.PublishAsync(channel is null ? keys[i] : channel(keys[i]), payload, kind);
        }

        return Task.WhenAll(tasks);
    }

    // Membership changes are made in the registry first (under its lock, no I/O); the subscription follows after, out of
    // any lock: RedisBus.ReconcileAsync chains the steps of one channel and each step reads the registry when it runs,
    // so the last step sees the last change whatever order concurrent joins and leaves took (see RedisBus).
    private Task AddLocalAsync(string connectionId, string groupName) =>
        _registry.AddToGroup(connectionId, groupName) ? AfterPresence(ReconcileGroupAsync(groupName)) : Task.CompletedTask;

    private Task RemoveLocalAsync(string connectionId, string groupName) =>
        _registry.RemoveFromGroup(connectionId, groupName) ? AfterPresence(ReconcileGroupAsync(groupName)) : Task.CompletedTask;

    private Task ReconcileGroupAsync(string groupName) =>
        _bus.ReconcileAsync(_channels.Group(groupName), () => _registry.HasGroup(groupName), payload => DeliverAsync(RedisChannelKind.Group, payload, groupName, _registry.SendGroupAsync));

    private Task ReconcileUserAsync(string userId) =>
        _bus.ReconcileAsync(_channels.User(userId), () => _registry.HasUser(userId), payload => OnUserMessageAsync(userId, payload));

    private async Task SendGroupCommandAsync(string connectionId, string groupName, bool add, CancellationToken cancellationToken)
    {
        var ackId = Interlocked.Increment(ref _lastAckId);
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _acks[ackId] = ack;
        try
        {
            var payload = RedisEnvelope.WriteGroupCommand(ackId, _serverName, add, groupName, connectionId);
            if (await _bus.PublishAsync(_channels.Connection(connectionId), payload, RedisChannelKind.GroupCommand).ConfigureAwait(false) == 0)
            {
                // No server holds the connection: nothing to do, as for an unknown local connection.
                return;
            }

            try
            {
                await ack.Task.WaitAsync(AckTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _telemetry.AckTimedOut();
                throw new TimeoutException($"The server of connection '{connectionId}' did not acknowledge the group change of '{groupName}' within {AckTimeout.TotalSeconds} s.");
            }
        }
        finally
        {
            _acks.TryRemove(ackId, out _);
        }
    }

    private readonly record struct RemoteInvocation(string ConnectionId, string ReplyServer);
}
