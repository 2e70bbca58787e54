using System.Buffers;
using System.Diagnostics;
using SignalRLite.Protocol;
using SignalRLite.StackExchangeRedis.Internal;

namespace SignalRLite.StackExchangeRedis;

// The receiving side: what arrives on this server's channels, each channel's messages handled one at a time in Redis's
// order (see RedisBus). Every hub send is counted as received, and traced as a Consumer span when somebody listens.
public partial class RedisHubLifetimeManager<THub>
{
    private async Task OnConnectionMessageAsync(HubConnectionContext connection, ReadOnlyMemory<byte> payload)
    {
        var reader = new RedisEnvelope.Reader(payload);
        switch (RedisEnvelope.ReadKind(ref reader))
        {
            case RedisEnvelopeKind.Invocation:
            {
                _telemetry.Received(RedisChannelKind.Connection);
                var excluded = ReadExclusions(ref reader);
                if (excluded is null || !excluded.Contains(connection.ConnectionId))
                {
                    // A Client(s) send from another server: the same slow-consumer policy as a local fan-out.
                    var frames = RedisEnvelope.ReadFrames(ref reader, _protocolNames);
                    using var activity = StartConsumer(RedisChannelKind.Connection, ref reader);
                    var fanOut = new HubFanOut();
                    fanOut.Write(connection, frames);
                    await WhenDelivered(activity, fanOut.WhenAll()).ConfigureAwait(false);
                }

                break;
            }

            case RedisEnvelopeKind.GroupCommand:
                _telemetry.Received(RedisChannelKind.GroupCommand);
                var ackId = reader.VarInt();
                var replyServer = reader.String();
                var add = reader.Byte() == 1;
                var groupName = reader.String();
                _ = reader.String();
                await (add ? AddLocalAsync(connection.ConnectionId, groupName) : RemoveLocalAsync(connection.ConnectionId, groupName)).ConfigureAwait(false);
                await _bus.TryPublishAsync(_channels.Server(replyServer), RedisEnvelope.WriteAck(ackId), RedisChannelKind.Ack).ConfigureAwait(false);
                break;

            case RedisEnvelopeKind.ClientInvocation:
            {
                _telemetry.Received(RedisChannelKind.Invocation);
                var invocationId = reader.String();
                var reply = reader.String();
                var frames = RedisEnvelope.ReadFrames(ref reader, _protocolNames);
                using var activity = StartConsumer(RedisChannelKind.Invocation, ref reader);
                _remoteInvocations[invocationId] = new RemoteInvocation(connection.ConnectionId, reply);
                if (!_registry.Contains(connection.ConnectionId) && _remoteInvocations.TryRemove(invocationId, out _))
                {
                    await _bus.TryPublishAsync(_channels.Server(reply), RedisEnvelope.WriteClientResultError(invocationId, $"Connection '{connection.ConnectionId}' disconnected."), RedisChannelKind.Return).ConfigureAwait(false);
                    break;
                }

                await WhenDelivered(activity, connection.WriteAsync(frames).AsTask()).ConfigureAwait(false);
                break;
            }
        }
    }

    private Task OnServerMessageAsync(ReadOnlyMemory<byte> payload)
    {
        var reader = new RedisEnvelope.Reader(payload);
        switch (RedisEnvelope.ReadKind(ref reader))
        {
            case RedisEnvelopeKind.Ack:
                _telemetry.Received(RedisChannelKind.Ack);
                var ackId = reader.VarInt();
                if (_acks.TryGetValue(ackId, out var ack))
                {
                    ack.TrySetResult();
                }
                else
                {
                    OnUserGroupAck(ackId);
                }

                break;

            case RedisEnvelopeKind.ClientResult:
            {
                _telemetry.Received(RedisChannelKind.Return);
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
                _telemetry.Received(RedisChannelKind.Return);
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
        DeliverAsync(RedisChannelKind.All, payload, string.Empty, (_, message, excluded, token, noFrame) => _registry.SendAllAsync(message, excluded, token, noFrame));

    // Awaited by the channel's handler, so that the next message of the channel is written after this one (per-channel
    // order); a write that HubFanOut does not wait for keeps its place on the connection's write lock, so order holds too.
    private Task DeliverAsync(RedisChannelKind kind, ReadOnlyMemory<byte> payload, string key,
        Func<string, SerializedHubMessage, IReadOnlyList<string>?, CancellationToken, Action<HubConnectionContext, InvalidOperationException>?, Task> send)
    {
        var reader = new RedisEnvelope.Reader(payload);
        if (RedisEnvelope.ReadKind(ref reader) != RedisEnvelopeKind.Invocation)
        {
            return Task.CompletedTask;
        }

        _telemetry.Received(kind);
        var excluded = ReadExclusions(ref reader);
        var frames = RedisEnvelope.ReadFrames(ref reader, _protocolNames);
        return RedisTelemetry.IsTracing
            ? DeliverTracedAsync(kind, RedisEnvelope.ReadTraceContext(ref reader), send, key, frames, excluded)
            : send(key, frames, excluded, CancellationToken.None, _noFrame);
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

    // The Consumer span of a received hub send (in an async method, so that it is not left current on the channel's loop).
    private Activity? StartConsumer(RedisChannelKind kind, ref RedisEnvelope.Reader reader) =>
        RedisTelemetry.IsTracing ? _telemetry.StartConsumer(kind, RedisEnvelope.ReadTraceContext(ref reader)) : null;

    private async Task DeliverTracedAsync(RedisChannelKind kind, RedisTraceContext trace,
        Func<string, SerializedHubMessage, IReadOnlyList<string>?, CancellationToken, Action<HubConnectionContext, InvalidOperationException>?, Task> send,
        string key, SerializedHubMessage frames, IReadOnlyList<string>? excluded)
    {
        using var activity = _telemetry.StartConsumer(kind, trace);
        await WhenDelivered(activity, send(key, frames, excluded, CancellationToken.None, _noFrame)).ConfigureAwait(false);
    }

    private static async Task WhenDelivered(Activity? activity, Task delivery)
    {
        try
        {
            await delivery.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RedisTelemetry.Failed(activity, ex);
            throw;
        }
    }
}
