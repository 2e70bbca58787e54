using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignalRLite.Protocol;
using SignalRLite.Internal.Hubs;
using SignalRLite.StackExchangeRedis.Internal;
using StackExchange.Redis;

namespace SignalRLite.StackExchangeRedis;

/// <summary>
/// A <see cref="HubLifetimeManager{THub}"/> that spans servers through Redis pub/sub. Thread-safe.
/// </summary>
/// <remarks>
/// Each server subscribes only to the channels of what it holds: the hub's <c>all</c> channel once it has a connection, one
/// channel per local connection, per local user and per group with a local member, and its own reply channel. Groups and
/// users therefore live in subscriptions, not in shared Redis state: a server that dies takes its memberships with it.
/// A send is serialised once per registered protocol into one envelope and published once per target channel; the
/// returned task completes when Redis has accepted the publish (not when clients have received it).
/// </remarks>
public class RedisHubLifetimeManager<THub> : HubLifetimeManager<THub>, IDisposable where THub : Hub
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly RedisOptions _options;
    private readonly IHubProtocol[] _protocols;
    private readonly RedisEnvelope.ProtocolNames _protocolNames;
    private readonly RedisChannels _channels;
    private readonly string _serverName;
    private readonly string _invocationIdPrefix;
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new(StringComparer.Ordinal);

    // Mutated only under _membershipLock, together with the matching subscriptions; read lock-free by deliveries.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HashSet<string>> _connectionGroups = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _membershipLock = new(1, 1);

    private readonly ConcurrentDictionary<string, ChannelMessageQueue> _subscriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IPendingClientResult> _pendingResults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RemoteInvocation> _remoteInvocations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _acks = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IConnectionMultiplexer? _redis;
    private ISubscriber? _bus;
    private bool _allSubscribed; // guarded by _connectLock
    private long _lastId;
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
        _options = options.Value;
        var supported = hubOptions?.Value.SupportedProtocols ?? globalHubOptions?.Value.SupportedProtocols;
        _protocols = [.. hubProtocolResolver.AllProtocols
            .Where(p => supported is null || supported.Contains(p.Name, StringComparer.OrdinalIgnoreCase))
            .DistinctBy(p => p.Name, StringComparer.Ordinal)];
        _protocolNames = new RedisEnvelope.ProtocolNames(_protocols.Select(p => p.Name));
        _channels = new RedisChannels(typeof(THub).FullName!);
        var id = Guid.NewGuid().ToString("N");
        _serverName = Environment.MachineName + "_" + id;
        _invocationIdPrefix = "r" + id[..12] + "-";
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        var bus = await GetBusAsync().ConfigureAwait(false);
        await SubscribeAllAsync(bus).ConfigureAwait(false);
        var id = connection.ConnectionId;
        _connections[id] = connection;
        await SubscribeAsync(bus, _channels.Connection(id), payload => OnConnectionMessageAsync(connection, payload)).ConfigureAwait(false);

        if (connection.UserIdentifier is { } user)
        {
            await _membershipLock.WaitAsync().ConfigureAwait(false);
            try
            {
                var members = _users.GetOrAdd(user, static _ => new(StringComparer.Ordinal));
                members[id] = connection;
                if (members.Count == 1)
                {
                    await SubscribeAsync(bus, _channels.User(user), payload => DeliverAsync(_users, user, payload)).ConfigureAwait(false);
                }
            }
            finally
            {
                _membershipLock.Release();
            }
        }
    }

    /// <inheritdoc />
    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        var id = connection.ConnectionId;
        _connections.TryRemove(id, out _);
        await UnsubscribeAsync(_channels.Connection(id)).ConfigureAwait(false);

        await _membershipLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connectionGroups.TryRemove(id, out var groups))
            {
                foreach (var group in groups)
                {
                    await RemoveMemberAsync(_groups, group, id, _channels.Group(group)).ConfigureAwait(false);
                }
            }

            if (connection.UserIdentifier is { } user)
            {
                await RemoveMemberAsync(_users, user, id, _channels.User(user)).ConfigureAwait(false);
            }
        }
        finally
        {
            _membershipLock.Release();
        }

        foreach (var pending in _pendingResults)
        {
            if (pending.Value.ConnectionId == id && _pendingResults.TryRemove(pending.Key, out var result))
            {
                result.SetException(new IOException($"Connection '{id}' disconnected."));
            }
        }

        foreach (var remote in _remoteInvocations)
        {
            if (remote.Value.ConnectionId == id && _remoteInvocations.TryRemove(remote.Key, out var invocation))
            {
                await TryPublishAsync(_channels.Server(invocation.ReplyServer), RedisEnvelope.WriteClientResultError(remote.Key, $"Connection '{id}' disconnected.")).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishAsync(_channels.All, Envelope(methodName, args, null));

    /// <inheritdoc />
    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        PublishAsync(_channels.All, Envelope(methodName, args, excludedConnectionIds));

    /// <inheritdoc />
    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);

        // A local connection is written directly: no round trip through Redis.
        return _connections.TryGetValue(connectionId, out var connection)
            ? connection.WriteAsync(new InvocationMessage(methodName, args), cancellationToken).AsTask()
            : PublishAsync(_channels.Connection(connectionId), Envelope(methodName, args, null));
    }

    /// <inheritdoc />
    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionIds);
        List<Task>? tasks = null;
        SerializedHubMessage? local = null;
        byte[]? payload = null;
        foreach (var id in connectionIds)
        {
            var task = _connections.TryGetValue(id, out var connection)
                ? connection.WriteAsync(local ??= new SerializedHubMessage(new InvocationMessage(methodName, args)), cancellationToken).AsTask()
                : PublishAsync(_channels.Connection(id), payload ??= Envelope(methodName, args, null));
            (tasks ??= []).Add(task);
        }

        return tasks is null ? Task.CompletedTask : Task.WhenAll(tasks);
    }

    /// <inheritdoc />
    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return PublishAsync(_channels.Group(groupName), Envelope(methodName, args, null));
    }

    /// <inheritdoc />
    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishManyAsync(groupNames, _channels.Group, Envelope(methodName, args, null));

    /// <inheritdoc />
    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return PublishAsync(_channels.Group(groupName), Envelope(methodName, args, excludedConnectionIds));
    }

    /// <inheritdoc />
    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return PublishAsync(_channels.User(userId), Envelope(methodName, args, null));
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
        return _connections.TryGetValue(connectionId, out var connection)
            ? AddLocalAsync(connection, groupName)
            : SendGroupCommandAsync(connectionId, groupName, add: true, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>For a connection on another server the command travels through Redis and waits for that server's acknowledgement (5 s at most).</remarks>
    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        return _connections.ContainsKey(connectionId)
            ? RemoveLocalAsync(connectionId, groupName)
            : SendGroupCommandAsync(connectionId, groupName, add: false, cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        var invocationId = _invocationIdPrefix + Interlocked.Increment(ref _lastId).ToString(CultureInfo.InvariantCulture);
        var pending = new PendingClientResult<T>(connectionId);
        _pendingResults[invocationId] = pending;
        try
        {
            using var cancelled = cancellationToken.Register(static s => ((IPendingClientResult)s!).SetCanceled(), pending);
            var message = new InvocationMessage(invocationId, methodName, args);
            if (_connections.TryGetValue(connectionId, out var connection))
            {
                using var disconnected = connection.ConnectionAborted.Register(
                    static s => ((IPendingClientResult)s!).SetException(new IOException("The connection was closed before the client returned a result.")),
                    pending);
                await connection.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                return await pending.Task.ConfigureAwait(false);
            }

            var payload = RedisEnvelope.WriteInvocation(_protocols, message, null, invocationId, _serverName);
            if (await PublishAsync(_channels.Connection(connectionId), payload).ConfigureAwait(false) == 0)
            {
                throw new IOException($"Connection '{connectionId}' does not exist.");
            }

            return await pending.Task.ConfigureAwait(false);
        }
        finally
        {
            _pendingResults.TryRemove(invocationId, out _);
        }
    }

    /// <inheritdoc />
    public override async Task SetConnectionResultAsync(string connectionId, CompletionMessage result)
    {
        var id = result.InvocationId;
        if (id is null)
        {
            return;
        }

        if (_pendingResults.TryGetValue(id, out var pending) && pending.ConnectionId == connectionId && _pendingResults.TryRemove(id, out _))
        {
            pending.Complete(result);
            return;
        }

        if (_remoteInvocations.TryGetValue(id, out var remote) && remote.ConnectionId == connectionId && _remoteInvocations.TryRemove(id, out _)
            && _connections.TryGetValue(connectionId, out var connection))
        {
            // Re-encoded in the connection's protocol; the invoking server parses it with the result type it expects.
            var frame = connection.Protocol.GetMessageBytes(result);
            await PublishAsync(_channels.Server(remote.ReplyServer), RedisEnvelope.WriteClientResult(id, connection.Protocol.Name, frame.Span)).ConfigureAwait(false);
            return;
        }

        RedisLog.UnexpectedClientResult(_logger, id);
    }

    /// <inheritdoc />
    public override bool TryGetReturnType(string invocationId, [NotNullWhen(true)] out Type? type)
    {
        if (_pendingResults.TryGetValue(invocationId, out var pending))
        {
            type = pending.ResultType;
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

        // Fire-and-forget: shutdown does not wait for a Redis that may be down. Only this manager's channels are
        // unsubscribed; a connection that came from ConnectionFactory belongs to the application and stays open.
        foreach (var (channel, queue) in _subscriptions)
        {
            try
            {
                queue.Unsubscribe(CommandFlags.FireAndForget);
            }
            catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
            {
                RedisLog.UnsubscribeFailed(_logger, channel, ex);
            }
        }

        _subscriptions.Clear();
        if (_options.ConnectionFactory is null)
        {
            _redis?.Dispose();
        }
    }

    private byte[] Envelope(string methodName, object?[] args, IReadOnlyList<string>? excluded) =>
        RedisEnvelope.WriteInvocation(_protocols, new InvocationMessage(methodName, args), excluded is { Count: > 0 } ? excluded : null);

    private async Task AddLocalAsync(HubConnectionContext connection, string groupName)
    {
        var id = connection.ConnectionId;
        await _membershipLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_connections.ContainsKey(id) || !_connectionGroups.GetOrAdd(id, static _ => new(StringComparer.Ordinal)).Add(groupName))
            {
                return;
            }

            var members = _groups.GetOrAdd(groupName, static _ => new(StringComparer.Ordinal));
            members[id] = connection;
            if (members.Count == 1)
            {
                var bus = await GetBusAsync().ConfigureAwait(false);
                await SubscribeAsync(bus, _channels.Group(groupName), payload => DeliverAsync(_groups, groupName, payload)).ConfigureAwait(false);
            }
        }
        finally
        {
            _membershipLock.Release();
        }
    }

    private async Task RemoveLocalAsync(string connectionId, string groupName)
    {
        await _membershipLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connectionGroups.TryGetValue(connectionId, out var groups) && groups.Remove(groupName))
            {
                await RemoveMemberAsync(_groups, groupName, connectionId, _channels.Group(groupName)).ConfigureAwait(false);
            }
        }
        finally
        {
            _membershipLock.Release();
        }
    }

    // Caller holds _membershipLock: the last member leaving ends the subscription.
    private async Task RemoveMemberAsync(ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> sets, string key, string connectionId, string channel)
    {
        if (sets.TryGetValue(key, out var members) && members.TryRemove(connectionId, out _) && members.IsEmpty)
        {
            sets.TryRemove(key, out _);
            await UnsubscribeAsync(channel).ConfigureAwait(false);
        }
    }

    private async Task SendGroupCommandAsync(string connectionId, string groupName, bool add, CancellationToken cancellationToken)
    {
        var ackId = Interlocked.Increment(ref _lastId);
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _acks[ackId] = ack;
        try
        {
            var payload = RedisEnvelope.WriteGroupCommand(ackId, _serverName, add, groupName, connectionId);
            if (await PublishAsync(_channels.Connection(connectionId), payload).ConfigureAwait(false) == 0)
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
                SkipExclusions(ref reader, out var excluded);
                if (excluded is null || !excluded.Contains(connection.ConnectionId))
                {
                    await connection.WriteAsync(RedisEnvelope.ReadFrames(ref reader, _protocolNames)).ConfigureAwait(false);
                }

                break;

            case RedisEnvelopeKind.GroupCommand:
                var ackId = reader.VarInt();
                var replyServer = reader.String();
                var add = reader.Byte() == 1;
                var groupName = reader.String();
                _ = reader.String();
                if (add)
                {
                    await AddLocalAsync(connection, groupName).ConfigureAwait(false);
                }
                else
                {
                    await RemoveLocalAsync(connection.ConnectionId, groupName).ConfigureAwait(false);
                }

                await TryPublishAsync(_channels.Server(replyServer), RedisEnvelope.WriteAck(ackId)).ConfigureAwait(false);
                break;

            case RedisEnvelopeKind.ClientInvocation:
                var invocationId = reader.String();
                var reply = reader.String();
                var frames = RedisEnvelope.ReadFrames(ref reader, _protocolNames);
                _remoteInvocations[invocationId] = new RemoteInvocation(connection.ConnectionId, reply);
                if (!_connections.ContainsKey(connection.ConnectionId) && _remoteInvocations.TryRemove(invocationId, out _))
                {
                    await TryPublishAsync(_channels.Server(reply), RedisEnvelope.WriteClientResultError(invocationId, $"Connection '{connection.ConnectionId}' disconnected.")).ConfigureAwait(false);
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
                if (!_pendingResults.TryRemove(invocationId, out var pending))
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
                if (_pendingResults.TryRemove(invocationId, out var pending))
                {
                    pending.SetException(new IOException(error));
                }

                break;
            }
        }

        return Task.CompletedTask;
    }

    private Task DeliverAsync(ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> sets, string key, ReadOnlyMemory<byte> payload) =>
        sets.TryGetValue(key, out var members) ? DeliverAsync(members, payload) : Task.CompletedTask;

    private Task DeliverAsync(ConcurrentDictionary<string, HubConnectionContext> targets, ReadOnlyMemory<byte> payload)
    {
        var reader = new RedisEnvelope.Reader(payload);
        if (RedisEnvelope.ReadKind(ref reader) != RedisEnvelopeKind.Invocation)
        {
            return Task.CompletedTask;
        }

        SkipExclusions(ref reader, out var excluded);
        var message = RedisEnvelope.ReadFrames(ref reader, _protocolNames);
        var pending = new FanOutWrites();
        foreach (var (id, connection) in targets)
        {
            if (excluded is not null && excluded.Contains(id))
            {
                continue;
            }

            try
            {
                pending.Add(connection, connection.WriteFanOut(message, CancellationToken.None));
            }
            catch (InvalidOperationException ex)
            {
                // The sender had no frame for this connection's protocol (servers registered different protocols).
                RedisLog.NoFrameForProtocol(_logger, id, connection.Protocol.Name, ex);
            }
        }

        // Awaited so that the next message of this channel is written after this one (per-channel order); a queued
        // write keeps its place on the connection's write lock, so not awaiting it keeps the order too.
        return pending.WhenAll();
    }

    private static void SkipExclusions(ref RedisEnvelope.Reader reader, out HashSet<string>? excluded)
    {
        var count = (int)reader.VarInt();
        excluded = null;
        for (var i = 0; i < count; i++)
        {
            (excluded ??= new(StringComparer.Ordinal)).Add(reader.String());
        }
    }

    private async ValueTask<ISubscriber> GetBusAsync()
    {
        if (Volatile.Read(ref _bus) is { } bus)
        {
            return bus;
        }

        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_bus is not null)
            {
                return _bus;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            RedisLog.ConnectingToEndpoints(_logger, string.Join(", ", _options.Configuration.EndPoints.Select(e => e.ToString())), _serverName);
            using var log = new StringWriter();
            var redis = await _options.ConnectAsync(log).ConfigureAwait(false);
            redis.ConnectionFailed += (_, e) => RedisLog.ConnectionFailed(_logger, e.FailureType, e.ConnectionType, e.EndPoint?.ToString(), e.Exception);
            redis.ConnectionRestored += (_, e) => RedisLog.ConnectionRestored(_logger, e.ConnectionType, e.EndPoint?.ToString());
            redis.ErrorMessage += (_, e) => RedisLog.RedisError(_logger, e.Message);
            if (redis.IsConnected)
            {
                RedisLog.Connected(_logger);
            }

            var subscriber = redis.GetSubscriber();
            _redis = redis;
            await SubscribeAsync(subscriber, _channels.Server(_serverName), OnServerMessageAsync).ConfigureAwait(false);
            Volatile.Write(ref _bus, subscriber);
            return subscriber;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task SubscribeAllAsync(ISubscriber bus)
    {
        if (Volatile.Read(ref _allSubscribed))
        {
            return;
        }

        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_allSubscribed)
            {
                await SubscribeAsync(bus, _channels.All, payload => DeliverAsync(_connections, payload)).ConfigureAwait(false);
                Volatile.Write(ref _allSubscribed, true);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task SubscribeAsync(ISubscriber bus, string channel, Func<ReadOnlyMemory<byte>, Task> handler)
    {
        RedisLog.Subscribing(_logger, channel);
        var queue = await bus.SubscribeAsync(RedisChannel.Literal(channel)).ConfigureAwait(false);
        _subscriptions[channel] = queue;

        // Messages of one channel are handled one at a time, in the order Redis delivered them.
        queue.OnMessage(async message =>
        {
            try
            {
                await handler((ReadOnlyMemory<byte>)message.Message).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                RedisLog.ReceiveFailed(_logger, channel, ex);
            }
        });
    }

    private async Task UnsubscribeAsync(string channel)
    {
        if (!_subscriptions.TryRemove(channel, out var queue))
        {
            return;
        }

        RedisLog.Unsubscribing(_logger, channel);
        try
        {
            await queue.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            RedisLog.UnsubscribeFailed(_logger, channel, ex);
        }
    }

    private async Task<long> PublishAsync(string channel, byte[] payload)
    {
        var bus = await GetBusAsync().ConfigureAwait(false);
        try
        {
            return await bus.PublishAsync(RedisChannel.Literal(channel), payload).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisLog.PublishFailed(_logger, channel, ex);
            throw;
        }
    }

    private async Task TryPublishAsync(string channel, byte[] payload)
    {
        try
        {
            await PublishAsync(channel, payload).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Logged by PublishAsync; the waiting server times out.
        }
    }

    private Task PublishManyAsync(IReadOnlyList<string> keys, Func<string, string> channel, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 1)
        {
            return PublishAsync(channel(keys[0]), payload);
        }

        var tasks = new Task[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            tasks[i] = PublishAsync(channel(keys[i]), payload);
        }

        return Task.WhenAll(tasks);
    }

    private readonly record struct RemoteInvocation(string ConnectionId, string ReplyServer);
}
