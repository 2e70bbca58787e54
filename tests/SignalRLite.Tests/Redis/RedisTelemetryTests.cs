using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using StackExchange.Redis;

namespace SignalRLite.Tests.Redis;

/// <summary>
/// The backplane's metrics and spans (docs/observability.md) against a real redis-server: a send on one server is
/// counted and timed there, counted on the server that delivers it, and traced from one to the other.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RedisTelemetryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GroupSendIsCountedOnBothServersAndTracedFromProducerToConsumer()
    {
        await using var cluster = await RedisCluster.StartAsync(2);
        using var recorder = new RedisTelemetryRecorder(MeterFactory(cluster.Servers[0]), MeterFactory(cluster.Servers[1]));
        var receiver = await ClusterClient.ConnectAsync(cluster.Servers[1], WireProtocol.MessagePack);
        await receiver.Connection.InvokeAsync("Join", "g").WaitAsync(TestConnection.DefaultTimeout);

        // A server-initiated send (IHubContext) inside the test's own activity: the Producer span descends from it, and the
        // receiving server's Consumer span continues the trace from the context that travelled in the envelope.
        using var source = new ActivitySource(RedisTelemetryRecorder.TestSourceName);
        var hubContext = cluster.Servers[0].Services.GetRequiredService<IHubContext<RedisTestHub>>();
        ActivityTraceId traceId;
        ActivitySpanId rootSpanId;
        using (var root = source.StartActivity("send"))
        {
            Assert.NotNull(root);
            (traceId, rootSpanId) = (root.TraceId, root.SpanId);
            await hubContext.Clients.Group("g").SendAsync("Receive", "group", "hello").WaitAsync(TestConnection.DefaultTimeout);
        }

        Assert.Equal(("group", "hello"), await receiver.Inbox.NextAsync());
        try
        {
            await recorder.WaitForAsync(r => r.Activities.Any(a => a.TraceId == traceId && a.Kind == ActivityKind.Consumer), Timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"No consumer in trace {traceId}; stopped: " + string.Join("; ", recorder.Activities.Select(a => $"{a.Source.Name} {a.OperationName} {a.Kind} {a.TraceId}/{a.SpanId}<-{a.ParentSpanId}")));
        }

        var producer = Assert.Single(recorder.Activities, a => a.TraceId == traceId && a.Kind == ActivityKind.Producer);
        var consumer = Assert.Single(recorder.Activities, a => a.TraceId == traceId && a.Kind == ActivityKind.Consumer);
        Assert.Equal("SignalRLite.StackExchangeRedis", producer.Source.Name);
        Assert.Equal("SignalRLite.StackExchangeRedis.Publish", producer.OperationName);
        Assert.Equal("publish group", producer.DisplayName);
        Assert.Equal("group", producer.GetTagItem("signalrlite.channel_kind"));
        Assert.Equal(nameof(RedisTestHub), producer.GetTagItem("signalr.hub"));
        // root -> the IHubContext send (core, SignalRLite.Send) -> the publish -> the receiving server's fan-out.
        var send = Assert.Single(recorder.Activities, a => a.TraceId == traceId && a.OperationName == "SignalRLite.Send");
        Assert.Equal(rootSpanId, send.ParentSpanId);
        Assert.Equal("send group", send.DisplayName);
        Assert.Equal(send.SpanId, producer.ParentSpanId);
        Assert.Equal("SignalRLite.StackExchangeRedis.Process", consumer.OperationName);
        Assert.Equal("process group", consumer.DisplayName);
        Assert.Equal(producer.SpanId, consumer.ParentSpanId);
        Assert.True(consumer.HasRemoteParent);
        Assert.Equal("group", consumer.GetTagItem("signalrlite.channel_kind"));
        Assert.Equal(ActivityStatusCode.Unset, consumer.Status);

        // Counted where it happened: published by the sender's server, received by the receiver's only.
        var published = Assert.Single(recorder.Of(0, "signalrlite.redis.publishes"));
        Assert.Equal(("group", 1d, 1), (published.ChannelKind, published.Value, published.TagCount));
        var duration = Assert.Single(recorder.Of(0, "signalrlite.redis.publish.duration"));
        Assert.Equal("group", duration.ChannelKind);
        Assert.InRange(duration.Value, 0, Timeout.TotalSeconds);
        var received = Assert.Single(recorder.Of(1, "signalrlite.redis.received"));
        Assert.Equal(("group", 1d), (received.ChannelKind, received.Value));
        Assert.Empty(recorder.Of(0, "signalrlite.redis.received"));
        Assert.Empty(recorder.Of(1, "signalrlite.redis.publishes"));
    }

    [Fact]
    public async Task FanOutIsRecordedOnEachServerForItsOwnLocalDeliveries()
    {
        const string FanOut = "signalrlite.server.send.fan_out";
        await using var cluster = await RedisCluster.StartAsync(2);
        using var recorder = new RedisTelemetryRecorder(MeterFactory(cluster.Servers[0]), MeterFactory(cluster.Servers[1]));
        // Server 0: two members of "g". Server 1: three members and one connection outside the group.
        var clients = new List<ClusterClient>();
        foreach (var (server, join) in new[] { (0, true), (0, true), (1, true), (1, true), (1, true), (1, false) })
        {
            var client = await ClusterClient.ConnectAsync(cluster.Servers[server], WireProtocol.Json);
            if (join)
            {
                await client.Connection.InvokeAsync("Join", "g").WaitAsync(TestConnection.DefaultTimeout);
            }

            clients.Add(client);
        }

        // One group send from server 0: each server records one fan-out, the connections it wrote the message to.
        var hubContext = cluster.Servers[0].Services.GetRequiredService<IHubContext<RedisTestHub>>();
        await hubContext.Clients.Group("g").SendAsync("Receive", "group", "hello").WaitAsync(TestConnection.DefaultTimeout);
        await recorder.WaitForAsync(r => r.Of(0, FanOut).Count >= 1 && r.Of(1, FanOut).Count >= 1, Timeout);
        foreach (var client in clients.Take(5))
        {
            Assert.Equal(("group", "hello"), await client.Inbox.NextAsync());
        }

        Assert.Equal([("group", 2d)], Targets(recorder.Of(0, FanOut)));
        Assert.Equal([("group", 3d)], Targets(recorder.Of(1, FanOut)));
        Assert.Equal(2, recorder.Of(1, FanOut)[0].TagCount);

        // A broadcast from server 1: both of server 0's connections, all four of server 1's.
        await cluster.Servers[1].Services.GetRequiredService<IHubContext<RedisTestHub>>().Clients.All.SendAsync("Receive", "all", "x").WaitAsync(TestConnection.DefaultTimeout);
        await recorder.WaitForAsync(r => r.Of(0, FanOut).Count >= 2 && r.Of(1, FanOut).Count >= 2, Timeout);
        foreach (var client in clients)
        {
            Assert.Equal(("all", "x"), await client.Inbox.NextAsync());
        }

        Assert.Equal([("group", 2d), ("all", 2d)], Targets(recorder.Of(0, FanOut)));
        Assert.Equal([("group", 3d), ("all", 4d)], Targets(recorder.Of(1, FanOut)));

        // Clients(ids) from server 0 naming one local and two remote connections: the sender records its local part;
        // the remote ones travel on their connection channels and are not fan-outs of a selection.
        await hubContext.Clients.Clients([clients[0].Id, clients[2].Id, clients[3].Id]).SendAsync("Receive", "clients", "y").WaitAsync(TestConnection.DefaultTimeout);
        foreach (var i in new[] { 0, 2, 3 })
        {
            Assert.Equal(("clients", "y"), await clients[i].Inbox.NextAsync());
        }

        await recorder.WaitForAsync(r => r.Of(0, FanOut).Count >= 3, Timeout);
        Assert.Equal([("group", 2d), ("all", 2d), ("connections", 1d)], Targets(recorder.Of(0, FanOut)));
        Assert.Equal(2, recorder.Of(1, FanOut).Count);
    }

    [Fact]
    public async Task SendToAConnectionOnAnotherServerIsCountedAsConnectionKind()
    {
        await using var cluster = await RedisCluster.StartAsync(2);
        using var recorder = new RedisTelemetryRecorder(MeterFactory(cluster.Servers[0]), MeterFactory(cluster.Servers[1]));
        var sender = await ClusterClient.ConnectAsync(cluster.Servers[0], WireProtocol.Json);
        var receiver = await ClusterClient.ConnectAsync(cluster.Servers[1], WireProtocol.Json);

        await sender.Connection.InvokeAsync("Client", receiver.Id, "direct").WaitAsync(TestConnection.DefaultTimeout);

        Assert.Equal(("client", "direct"), await receiver.Inbox.NextAsync());
        Assert.Equal("connection", Assert.Single(recorder.Of(0, "signalrlite.redis.publishes")).ChannelKind);
        Assert.Equal("connection", Assert.Single(recorder.Of(1, "signalrlite.redis.received")).ChannelKind);
    }

    [Fact]
    public async Task APublishWhileRedisIsDownFailsTheSendAndIsCountedAsAPublishFailure()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await RedisCluster.StartAsync(1, redis.Endpoint, o => o.Configuration.ReconnectRetryPolicy = new LinearRetry(200));
        using var recorder = new RedisTelemetryRecorder(MeterFactory(cluster.Servers[0]));
        await ClusterClient.ConnectAsync(cluster.Servers[0], WireProtocol.Json);
        var hubContext = cluster.Servers[0].Services.GetRequiredService<IHubContext<RedisTestHub>>();
        await redis.KillAsync();

        // The send fails (after the connection notices, or after AsyncTimeout) and the failure is counted with its kind.
        await Assert.ThrowsAnyAsync<Exception>(() => hubContext.Clients.All.SendAsync("Receive", "all", "lost").WaitAsync(Timeout));
        var failure = Assert.Single(recorder.Of(0, "signalrlite.redis.publish_failures"));
        Assert.Equal((1d, "all", 2), (failure.Value, failure.ChannelKind, failure.TagCount));
    }

    [Fact]
    public async Task RestartingRedisIsCountedAsAReconnect()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await RedisCluster.StartAsync(1, redis.Endpoint, o => o.Configuration.ReconnectRetryPolicy = new LinearRetry(200));
        using var recorder = new RedisTelemetryRecorder(MeterFactory(cluster.Servers[0]));

        // The backplane connects on first use: a connection.
        var client = await ClusterClient.ConnectAsync(cluster.Servers[0], WireProtocol.Json);
        Assert.Empty(recorder.Of(0, "signalrlite.redis.reconnects"));

        await redis.KillAsync();
        await redis.RestartAsync();
        await recorder.WaitForAsync(r => r.Of(0, "signalrlite.redis.reconnects").Count > 0, Timeout);

        // One restore of the one endpoint's pub/sub link (StackExchange.Redis may report another if a retry half-fails).
        Assert.All(recorder.Of(0, "signalrlite.redis.reconnects"), r => Assert.Equal((1d, 0), (r.Value, r.TagCount)));
        Assert.Equal(HubConnectionState.Connected, client.Connection.State);
    }

    [Fact]
    public async Task GroupChangeThatNoServerAcknowledgesIsCountedAsAnAckTimeout()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        using var recorder = new RedisTelemetryRecorder(MeterFactory(cluster.Servers[0]));
        var client = await ClusterClient.ConnectAsync(cluster.Servers[0], WireProtocol.Json);

        // Something that looks like a server holding connection "ghost": it receives the group command and never answers.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Endpoint);
        var command = new Signal<bool>();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(cluster.Channel("c:ghost")), (_, _) => command.TrySetResult(true));

        var error = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(
            () => client.Connection.InvokeAsync("AddToGroup", "ghost", "g").WaitAsync(Timeout));
        Assert.Contains("did not acknowledge", error.Message, StringComparison.Ordinal);

        var timeout = Assert.Single(recorder.Of(0, "signalrlite.redis.ack_timeouts"));
        Assert.Equal((1d, 0), (timeout.Value, timeout.TagCount));
        Assert.Equal("group_command", Assert.Single(recorder.Of(0, "signalrlite.redis.publishes")).ChannelKind);
        await command.Task.WaitAsync(Timeout);
    }

    private static (string? Target, double Value)[] Targets(IEnumerable<RedisMeasurement> measurements) =>
        [.. measurements.Select(m => (m.Target, m.Value))];

    private static IMeterFactory MeterFactory(HubAppHost server) => server.Services.GetRequiredService<IMeterFactory>();
}
