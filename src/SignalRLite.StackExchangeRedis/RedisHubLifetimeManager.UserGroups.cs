using System.Collections.Concurrent;
using SignalRLite.StackExchangeRedis.Internal;
using SignalRLite.StackExchangeRedis.Internal.Presence;

namespace SignalRLite.StackExchangeRedis;

// Durable, user-bound groups across the cluster (docs/presence.md). The store (Redis, registered by the backplane) says
// which groups a user belongs to; every server makes its own connections of the user match it:
// - when a connection arrives (OnConnectedAsync, after the user's channel is subscribed), it joins the user's groups;
// - when a membership changes, ApplyUserGroupAsync publishes a group command on the user's channel; each server that
//   holds a connection of the user (so subscribes that channel) re-reads the store and adds or removes its connections
//   of the user, then acknowledges; the call completes when every receiver has.
// On each server the two are serialised per user (a chain of tasks, not a lock), and each reads the store when it runs:
// whichever runs last reads the latest membership, and a change made after an arrival's read is published after the
// arrival's subscription, so it reaches that server. So a connection ends as the store says, on every server.
// A membership with a time to live (read from the Redis store with its expiry) gets a one-shot timer on every server
// that applies it to a connection, so it ends everywhere even when the server that added it is gone.
public partial class RedisHubLifetimeManager<THub>
{
    private readonly Dictionary<string, Task> _userChains = new(StringComparer.Ordinal); // guarded by _clusterLock
    private readonly ConcurrentDictionary<long, CountedAck> _userGroupAcks = new();
    private IUserGroupStore? _userGroupStore;

    /// <summary>See <see cref="IClusterLifetimeManager{THub}.EnableUserGroups"/>.</summary>
    internal void EnableUserGroups(IUserGroupStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        lock (_clusterLock)
        {
            _userGroupStore ??= store;
        }
    }

    /// <summary>See <see cref="IClusterLifetimeManager{THub}.ApplyUserGroupAsync"/>.</summary>
    internal async Task ApplyUserGroupAsync(string userId, string groupName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(groupName);
        var ackId = Interlocked.Increment(ref _lastAckId);
        var ack = new CountedAck();
        _userGroupAcks[ackId] = ack;
        try
        {
            // The connection field is empty: the command is for every connection of the user the receiver holds.
            var payload = RedisEnvelope.WriteGroupCommand(ackId, _serverName, add: true, groupName, connectionId: "");
            var receivers = await _bus.PublishAsync(_channels.User(userId), payload, RedisChannelKind.GroupCommand).ConfigureAwait(false);
            if (!ack.Expect(receivers))
            {
                try
                {
                    await ack.Task.WaitAsync(AckTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    _telemetry.AckTimedOut();
                    throw new TimeoutException($"Not every server holding a connection of user '{userId}' acknowledged the change of group '{groupName}' within {AckTimeout.TotalSeconds} s.");
                }
            }
        }
        finally
        {
            _userGroupAcks.TryRemove(ackId, out _);
        }
    }

    /// <summary>A message on a user's channel: a hub send to the user, or a durable group command for the user.</summary>
    private Task OnUserMessageAsync(string userId, ReadOnlyMemory<byte> payload)
    {
        var reader = new RedisEnvelope.Reader(payload);
        if (RedisEnvelope.ReadKind(ref reader) != RedisEnvelopeKind.GroupCommand)
        {
            return DeliverAsync(RedisChannelKind.User, payload, userId, _registry.SendUserAsync);
        }

        _telemetry.Received(RedisChannelKind.GroupCommand);
        var ackId = reader.VarInt();
        var replyServer = reader.String();
        _ = reader.Byte();
        var groupName = reader.String();
        return ApplyAndAckAsync(userId, groupName, ackId, replyServer);
    }

    private async Task ApplyAndAckAsync(string userId, string groupName, long ackId, string replyServer)
    {
        try
        {
            await ChainAsync(userId, () => MatchStoreAsync(userId, groupName)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            PresenceLog.UserGroupsApplyFailed(_logger, userId, ex);
        }

        await _bus.TryPublishAsync(_channels.Server(replyServer), RedisEnvelope.WriteAck(ackId), RedisChannelKind.Ack).ConfigureAwait(false);
    }

    /// <summary>An acknowledgement that is not a connection group command's: one server applied a durable group change.</summary>
    private void OnUserGroupAck(long ackId)
    {
        if (_userGroupAcks.TryGetValue(ackId, out var ack))
        {
            ack.Received();
        }
    }

    private Task JoinUserGroupsAsync(HubConnectionContext connection, string userId) =>
        ChainAsync(userId, async () =>
        {
            foreach (var (group, expires) in await GetMembershipsAsync(userId, connection.ConnectionAborted).ConfigureAwait(false))
            {
                await AddToGroupAsync(connection.ConnectionId, group, connection.ConnectionAborted).ConfigureAwait(false);
                ExpireLater(userId, group, expires);
            }
        });

    // This server's connections of the user in the group exactly when the store lists it now.
    private async Task MatchStoreAsync(string userId, string groupName)
    {
        if (_userGroupStore is null)
        {
            return;
        }

        var membership = (await GetMembershipsAsync(userId, CancellationToken.None).ConfigureAwait(false)).FirstOrDefault(m => m.Group == groupName);
        var member = membership.Group is not null;
        var connections = _registry.GetUserConnections(userId);
        foreach (var connection in connections)
        {
            await (member ? AddLocalAsync(connection.ConnectionId, groupName) : RemoveLocalAsync(connection.ConnectionId, groupName)).ConfigureAwait(false);
        }

        if (member && connections.Count > 0)
        {
            ExpireLater(userId, groupName, membership.Expires);
        }
    }

    private async Task<IReadOnlyList<(string Group, DateTimeOffset? Expires)>> GetMembershipsAsync(string userId, CancellationToken cancellationToken)
    {
        var store = _userGroupStore!;
        if (store is RedisUserGroupStore redis)
        {
            return await redis.GetMembershipsAsync(typeof(THub).FullName!, userId).ConfigureAwait(false);
        }

        // A store of the application's own: no expiries known here (the adding server's timer applies them).
        return [.. (await store.GetGroupsAsync(typeof(THub).FullName!, userId, cancellationToken).ConfigureAwait(false)).Select(g => (g, (DateTimeOffset?)null))];
    }

    // A one-shot timer: when the membership runs out, this server's connections of the user match the store again
    // (which no longer lists it, unless it was added again meanwhile). Several timers for one membership are harmless.
    private void ExpireLater(string userId, string groupName, DateTimeOffset? expires)
    {
        if (expires is not { } at)
        {
            return;
        }

        // A few ms past the expiry, so that the store, which drops memberships whose expiry is not after now, has dropped it.
        var due = at - _time.GetUtcNow() + TimeSpan.FromMilliseconds(5);
        var state = new ExpiryTimer(this, userId, groupName);
        using (ExecutionContext.SuppressFlow())
        {
            state.Timer = _time.CreateTimer(static s => ((ExpiryTimer)s!).Fire(), state, due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(5), Timeout.InfiniteTimeSpan);
        }
    }

    private sealed class ExpiryTimer(RedisHubLifetimeManager<THub> owner, string userId, string groupName)
    {
        public ITimer? Timer { get; set; }

        public void Fire()
        {
            Timer?.Dispose();
            _ = owner.ExpireAsync(userId, groupName);
        }
    }

    private async Task ExpireAsync(string userId, string groupName)
    {
        try
        {
            await ChainAsync(userId, () => MatchStoreAsync(userId, groupName)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            PresenceLog.UserGroupsApplyFailed(_logger, userId, ex);
        }
    }

    // Runs the steps of one user one after another, in the order they were asked for; the chain's entry is removed by
    // the step that is still its tail when it ends.
    private async Task ChainAsync(string userId, Func<Task> step)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_clusterLock)
        {
            previous = _userChains.GetValueOrDefault(userId) ?? Task.CompletedTask;
            _userChains[userId] = done.Task;
        }

        try
        {
            // Never faults: each step completes its own task in its finally.
            await previous.ConfigureAwait(false);
            await step().ConfigureAwait(false);
        }
        finally
        {
            lock (_clusterLock)
            {
                if (_userChains.TryGetValue(userId, out var tail) && tail == done.Task)
                {
                    _userChains.Remove(userId);
                }
            }

            done.SetResult();
        }
    }

    /// <summary>Acknowledgements of a command every server holding a connection of a user answers.</summary>
    private sealed class CountedAck
    {
        private readonly Lock _lock = new(); // guards _expected and _received
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _expected = -1;
        private long _received;

        public Task Task => _done.Task;

        /// <summary>How many will answer (known once published); true when all already have.</summary>
        public bool Expect(long receivers)
        {
            lock (_lock)
            {
                _expected = receivers;
                return Check();
            }
        }

        public void Received()
        {
            lock (_lock)
            {
                _received++;
                Check();
            }
        }

        private bool Check()
        {
            if (_expected >= 0 && _received >= _expected)
            {
                _done.TrySetResult();
                return true;
            }

            return false;
        }
    }
}
