using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
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
/// A send is serialised once per registered protocol into one envelope and published once per target channel; the
/// returned task completes when Redis has accepted the publish (not when clients have received it). Local connections
/// are kept, and written to, as by <see cref="DefaultHubLifetimeManager{THub}"/> (the same registry, client-result
/// tracking and <see cref="HubFanOut"/> slow-consumer policy); this class adds only what Redis needs.
/// </remarks>
public class RedisHubLifetimeManager<THub> : HubLifetimeManager<THub>, IDisposable where THub : Hub
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
        _bus = new RedisBus(logger, options.Value, _serverName, _channels.Server(_serverName), OnServerMessageAsync);
        _noFrame = (connection, ex) => RedisLog.NoFrameForProtocol(_logger, connection.ConnectionId, connection.Protocol.Name, ex);
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        if (!_bus.IsSubscribed(_channels.All))
        {
            await _bus.ReconcileAsync(_channels.All, static () => true, DeliverAllAsync).ConfigureAwait(false);
        }

        _registry.Add(connection);
        await _bus.SubscribeAsync(_channels.Connection(connection.ConnectionId), payload => OnConnectionMessageAsync(connection, payload)).ConfigureAwait(false);
        if (connection.UserIdentifier is { } user)
        {
            await ReconcileUserAsync(user).ConfigureAwait(false);
        }
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
                await _bus.TryPublishAsync(_channels.Server(invocation.ReplyServer), RedisEnvelope.WriteClientResultError(remote.Key, $"Connection '{id}' disconnected.")).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _bus.PublishAsync(_channels.All, Envelope(methodName, args, null));

    /// <inheritdoc />
    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        _bus.PublishAsync(_channels.All, Envelope(methodName, args, excludedConnectionIds));

    /// <inheritdoc />
    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);

        // A local connection is written directly, no round trip through Redis; one target waits as with the default manager.
        return _registry.TryGetConnection(connectionId, out var connection)
            ? connection.WriteAsync(new InvocationMessage(methodName, args), cancellationToken).AsTask()
            : _bus.PublishAsync(_channels.Connection(connectionId), Envelope(methodName, args, null));
    }

    /// <inheritdoc />
    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionIds);

        // The local ones with the slow-consumer policy, as the default manager; the others through Redis.
        var local = _registry.SendConnectionsAsync(connectionIds, new SerializedHubMessage(new InvocationMessage(methodName, args)), cancellationToken);
        List<Task>? tasks = null;
        byte[]? payload = null;
        foreach (var id in connectionIds)
        {
            if (!_registry.Contains(id))
            {
                (tasks ??= [local]).Add(_bus.PublishAsync(_channels.Connection(id), payload ??= Envelope(methodName, args, null)));
            }
        }

        return tasks is null ? local : Task.WhenAll(tasks);
    }

    /// <inheritdoc />
    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return _bus.PublishAsync(_channels.Group(groupName), Envelope(methodName, args, null));
    }

    /// <inheritdoc />
    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishManyAsync(groupNames, _channels.Group, Envelope(methodName, args, null));

    /// <inheritdoc />
    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return _bus.PublishAsync(_channels.Group(groupName), Envelope(methodName, args, excludedConnectionIds));
    }

    /// <inheritdoc />
    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return _bus.PublishAsync(_channels.User(userId), Envelope(methodName, args, null));
    }

    /// <inheritdoc />
    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishManyAsync(userIds, _channels.User, Envelope(methodName, args, null));

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

        var payload = RedisEnvelope.WriteInvocation(_protocols, message, null, pending.InvocationId, _serverName);
        if (await _bus.PublishAsync(_channels.Connection(connectionId), payload).ConfigureAwait(false) == 0)
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
            await _bus.PublishAsync(_channels.Server(remote.ReplyServer), RedisEnvelope.WriteClientResult(id, connection.Protocol.Name, frame.Span)).ConfigureAwait(false);
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
        _bus.Dispose();
    }

    private byte[] Envelope(string methodName, object?[] args, IReadOnlyList<string>? excluded) =>
        RedisEnvelope.WriteInvocation(_protocols, new InvocationMessage(methodName, args), excluded is { Count: > 0 } ? excluded : null);

    // Membership changes are made in the registry first (under its lock, no I/O); the subscription follows after, out of
    // any lock: RedisBus.ReconcileAsync chains the steps of one channel and each step reads the registry when it runs,
    // so the last step sees the last change whatever order concurrent joins and leaves took (see RedisBus).
    private Task AddLocalAsync(string connectionId, string groupName) =>
        _registry.AddToGroup(connectionId, groupName) ? ReconcileGroupAsync(groupName) : Task.CompletedTask;

    private Task RemoveLocalAsync(string connectionId, string groupName) =>
        _registry.RemoveFromGroup(connectionId, groupName) ? ReconcileGroupAsync(groupName) : Task.CompletedTask;

    private Task ReconcileGroupAsync(string groupName) =>
        _bus.ReconcileAsync(_channels.Group(groupName), () => _registry.HasGroup(groupName), payload => DeliverAsync(payload, groupName, _registry.SendGroupAsync));

    private Task ReconcileUserAsync(string userId) =>
        _bus.ReconcileAsync(_channels.User(userId), () => _registry.HasUser(userId), payload => DeliverAsync(payload, userId, _registry.SendUserAsync));

    private async Task SendGroupCommandAsync(string connectionId, string groupName, bool add, CancellationToken cancellationToken)
    {
        var ackId = Interlocked.Increment(ref _lastAckId);
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _acks[ackId] = ack;
        try
        {
            var payload = RedisEnvelope.WriteGroupCommand(ackId, _serverName, add, groupName, connectionId);
            if (await _bus.PublishAsync(_channels.Connection(connectionId), payload).ConfigureAwait(false) == 0)
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
                throw new TimeoutException($"The server of connection '{connectionId}' did not acknowledge the group change of '{groupName}' within {AckTimeout.TotalSeconds} s.");
            }
        }
        finally
        {
            _acks.TryRemove(ackId, out _);
        }
    }

    private async Task OnConnectionMessageAsync(HubConnectionContext connection, ReadOnlyMemory<byte> payload)
    {
        var reader = new RedisEnvelope.Reader(payload);
        switch (RedisEnvelope.ReadKind(ref reader))
        {
            case RedisEnvelopeKind.Invocation:
                var excluded = ReadExclusions(ref reader);
                if (excluded is null || !excluded.Contains(connection.ConnectionId))
                {
                    // A Client(s) send from another server: the same slow-consumer policy as a local fan-out.
                    var fanOut = new HubFanOut();
                    fanOut.Write(connection, RedisEnvelope.ReadFrames(ref reader, _protocolNames));
                    await fanOut.WhenAll().ConfigureAwait(false);
                }

                break;

            case RedisEnvelopeKind.GroupCommand:
                var ackId = reader.VarInt();
                var replyServer = reader.String();
                var add = reader.Byte() == 1;
                var groupName = reader.String();
                _ = reader.String();
                await (add ? AddLocalAsync(connection.ConnectionId, groupName) : RemoveLocalAsync(connection.ConnectionId, groupName)).ConfigureAwait(false);
                await _bus.TryPublishAsync(_channels.Server(replyServer), RedisEnvelope.WriteAck(ackId)).ConfigureAwait(false);
                break;

            case RedisEnvelopeKind.ClientInvocation:
                var invocationId = reader.String();
                var reply = reader.String();
                var frames = RedisEnvelope.ReadFrames(ref reader, _protocolNames);
                _remoteInvocations[invocationId] = new RemoteInvocation(connection.ConnectionId, reply);
                if (!_registry.Contains(connection.ConnectionId) && _remoteInvocations.TryRemove(invocationId, out _))
                {
                    await _bus.TryPublishAsync(_channels.Server(reply), RedisEnvelope.WriteClientResultError(invocationId, $"Connection '{connection.ConnectionId}' disconnected.")).ConfigureAwait(false);
                    break;
                }

                await connection.WriteAsync(frames).ConfigureAwait(false);
                break;
        }
    }

    private Task OnServerMessageAsync(ReadOnlyMemory<byte> payload)
    {
        var reader = new RedisEnvelope.Reader(payload);
        switch (RedisEnvelope.ReadKind(ref reader))
        {
            case RedisEnvelopeKind.Ack:
                if (_acks.TryGetValue(reader.VarInt(), out var ack))
                {
                    ack.TrySetResult();
                }

                break;

            case RedisEnvelopeKind.ClientResult:
            {
                var invocationId = reader.String();
                var protocolName = reader.String();
                var frame = reader.Bytes();
                if (!_results.TryTake(invocationId, out var pending))
                {
                    RedisLog.UnexpectedClientResult(_logger, invocationId);
                    break;
                }

                var protocol = Array.Find(_protocols, p => p.Name == protocolName);
                var input = new ReadOnlySequence<byte>(frame);
                if (protocol is null)
                {
                    pending.SetException(new InvalidDataException($"The client result came in protocol '{protocolName}', which is not registered here."));
                }
                else if (protocol.TryParseMessage(ref input, new ClientResultBinder(pending.ResultType), out var message) && message is CompletionMessage completion)
                {
                    pending.Complete(completion);
                }
                else
                {
                    pending.SetException(new InvalidDataException("The client result could not be bound to " + pending.ResultType.Name + "."));
                }

                break;
            }

            case RedisEnvelopeKind.ClientResultError:
            {
                var invocationId = reader.String();
                var error = reader.String();
                if (_results.TryTake(invocationId, out var pending))
                {
                    pending.SetException(new IOException(error));
                }

                break;
            }
        }

        return Task.CompletedTask;
    }

    private Task DeliverAllAsync(ReadOnlyMemory<byte> payload) =>
        DeliverAsync(payload, string.Empty, (_, message, excluded, token, noFrame) => _registry.SendAllAsync(message, excluded, token, noFrame));

    // Awaited by the channel's handler, so that the next message of the channel is written after this one (per-channel
    // order); a write that HubFanOut does not wait for keeps its place on the connection's write lock, so order holds too.
    private Task DeliverAsync(ReadOnlyMemory<byte> payload, string key,
        Func<string, SerializedHubMessage, IReadOnlyList<string>?, CancellationToken, Action<HubConnectionContext, InvalidOperationException>?, Task> send)
    {
        var reader = new RedisEnvelope.Reader(payload);
        if (RedisEnvelope.ReadKind(ref reader) != RedisEnvelopeKind.Invocation)
        {
            return Task.CompletedTask;
        }

        var excluded = ReadExclusions(ref reader);
        return send(key, RedisEnvelope.ReadFrames(ref reader, _protocolNames), excluded, CancellationToken.None, _noFrame);
    }

    private static List<string>? ReadExclusions(ref RedisEnvelope.Reader reader)
    {
        var count = (int)reader.VarInt();
        List<string>? excluded = null;
        for (var i = 0; i < count; i++)
        {
            (excluded ??= new(count)).Add(reader.String());
        }

        return excluded;
    }

    private Task PublishManyAsync(IReadOnlyList<string> keys, Func<string, string> channel, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 1)
        {
            return _bus.PublishAsync(channel(keys[0]), payload);
        }

        var tasks = new Task[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            tasks[i] = _bus.PublishAsync(channel(keys[i]), payload);
        }

        return Task.WhenAll(tasks);
    }

    private readonly record struct RemoteInvocation(string ConnectionId, string ReplyServer);
}
