using System.Collections.Concurrent;
using SignalRLite.StackExchangeRedis.Internal;

namespace SignalRLite.StackExchangeRedis;

// The admin plane across servers (IHubAdmin<THub> through RedisHubAdmin): a command is published once on the hub's
// admin channel; every server with connections of the hub is subscribed to it (from its first connection on), acts on
// its own connections and answers its local count on the asking server's reply channel. PUBLISH tells how many servers
// received the command, so the asker knows how many answers to wait for; it sums them, waiting AdminReplyTimeout at
// most. A server that received the command and did not answer in time (it died, or Redis lost the answer) is left out
// of the sum, and a warning says so. A server that was never subscribed holds no connection of the hub (it would answer 0).
public partial class RedisHubLifetimeManager<THub>
{
    /// <summary>How long an admin command waits for the servers' answers.</summary>
    internal static readonly TimeSpan AdminReplyTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<long, RedisAdminRequest> _adminRequests = new();
    private long _lastAdminRequestId;

    /// <summary>
    /// Runs <paramref name="command"/> on every server of the hub; returns the sum of the servers' local counts and how
    /// many servers received the command and how many answered.
    /// </summary>
    internal async Task<(int Reached, long Servers, int Answered)> RunAdminCommandAsync(RedisAdminCommand command, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var replies = _channels.AdminReplies(_serverName);
        if (!_bus.IsSubscribed(replies))
        {
            await _bus.ReconcileAsync(replies, static () => true, OnAdminReplyAsync).ConfigureAwait(false);
        }

        var id = Interlocked.Increment(ref _lastAdminRequestId);
        var request = new RedisAdminRequest();
        _adminRequests[id] = request;
        try
        {
            var servers = await _bus.PublishAsync(_channels.Admin, RedisAdminEnvelope.WriteCommand(id, _serverName, command), RedisChannelKind.Admin).ConfigureAwait(false);
            request.Expect(servers);
            try
            {
                await request.AllAnswered.WaitAsync(AdminReplyTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Counted without the silent servers: see the comment at the top.
                RedisAdminLog.AnswersMissing(_logger, command.Operation.ToString(), command.Target, servers, request.Result.Answers, AdminReplyTimeout.TotalSeconds);
            }

            var (answered, reached) = request.Result;
            return (reached, servers, answered);
        }
        finally
        {
            _adminRequests.TryRemove(id, out _);
        }
    }

    /// <summary>Runs an admin command on this server's connections only; how many connections (or groups) it reached.</summary>
    internal async Task<int> RunLocalAdminCommandAsync(RedisAdminCommand command)
    {
        switch (command.Operation)
        {
            case RedisAdminOperation.CloseConnection:
                return _registry.TryGetConnection(command.Target, out var connection) && connection.Close(command.Reason, command.AllowReconnect) ? 1 : 0;

            case RedisAdminOperation.CloseUser:
                return CloseEach(_registry.GetUserConnections(command.Target), command);

            case RedisAdminOperation.CloseGroup:
                return CloseEach(_registry.GetGroupConnections(command.Target), command);

            case RedisAdminOperation.RemoveUserFromGroup:
            {
                var group = command.Group!;
                var removed = 0;
                foreach (var userConnection in _registry.GetUserConnections(command.Target))
                {
                    if (_registry.RemoveFromGroup(userConnection.ConnectionId, group))
                    {
                        removed++;
                    }
                }

                if (removed > 0)
                {
                    await ReconcileGroupAsync(group).ConfigureAwait(false);
                }

                return removed;
            }

            case RedisAdminOperation.RemoveConnectionFromAllGroups:
            {
                var removed = 0;
                foreach (var group in _registry.GetConnectionGroups(command.Target))
                {
                    if (_registry.RemoveFromGroup(command.Target, group))
                    {
                        removed++;
                        await ReconcileGroupAsync(group).ConfigureAwait(false);
                    }
                }

                return removed;
            }

            default:
                return 0;
        }
    }

    // Called on every connect (OnConnectedAsync); subscribes once. ReconcileAsync chains concurrent first connects.
    private Task SubscribeAdminAsync() =>
        _bus.IsSubscribed(_channels.Admin) ? Task.CompletedTask : _bus.ReconcileAsync(_channels.Admin, static () => true, OnAdminCommandAsync);

    private static int CloseEach(IReadOnlyList<HubConnectionContext> connections, RedisAdminCommand command)
    {
        var reached = 0;
        foreach (var connection in connections)
        {
            if (connection.Close(command.Reason, command.AllowReconnect))
            {
                reached++;
            }
        }

        return reached;
    }

    private async Task OnAdminCommandAsync(ReadOnlyMemory<byte> payload)
    {
        _telemetry.Received(RedisChannelKind.Admin);
        var command = RedisAdminEnvelope.ReadCommand(payload, out var requestId, out var replyServer);
        var count = await RunLocalAdminCommandAsync(command).ConfigureAwait(false);
        RedisAdminLog.ActedLocally(_logger, command.Operation.ToString(), command.Target, count);

        // A lost answer only makes the asker wait for its timeout and count without this server.
        await _bus.TryPublishAsync(_channels.AdminReplies(replyServer), RedisAdminEnvelope.WriteReply(requestId, count), RedisChannelKind.AdminReply).ConfigureAwait(false);
    }

    private Task OnAdminReplyAsync(ReadOnlyMemory<byte> payload)
    {
        _telemetry.Received(RedisChannelKind.AdminReply);
        var (requestId, count) = RedisAdminEnvelope.ReadReply(payload);

        // An answer after the timeout finds no request: it is dropped.
        if (_adminRequests.TryGetValue(requestId, out var request))
        {
            request.Answer(count);
        }

        return Task.CompletedTask;
    }
}
