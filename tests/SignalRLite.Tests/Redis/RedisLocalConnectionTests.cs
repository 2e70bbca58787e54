using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.StackExchangeRedis;
using SignalRLite.Tests.Hubs;
using SignalRLite.Tests.Infrastructure;
using StackExchange.Redis;

namespace SignalRLite.Tests.Redis;

/// <summary>
/// The Redis manager keeps and writes to its own connections as the in-memory manager does (the same registry and
/// <see cref="HubFanOut"/> policy), and changes subscriptions outside any lock without losing track of membership.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RedisLocalConnectionTests
{
    private const int Limit = 100;
    private const int MaxMessages = 3_000;
    private static readonly string Payload = new('x', 16 * 1024);

    [Fact]
    public async Task A_local_send_to_several_clients_neither_waits_for_a_stalled_one_nor_keeps_it_past_the_queue_limit()
    {
        // As SlowClientTests does for the default manager, through Clients(ids): the Redis manager writes to its local
        // connections itself (no round trip through Redis), so that is where the slow-consumer policy must hold.
        var endpoint = await RedisServer.GetSharedEndpointAsync();
        var prefix = "t" + Guid.NewGuid().ToString("N")[..10];
        var events = new ConnectionEvents();
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            services =>
            {
                services.AddSingleton(events);
                services.AddSignalRLite(o => o.MaximumQueuedMessagesPerClient = Limit)
                    .AddStackExchangeRedis(endpoint, o => o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix));
            },
            app => app.MapHub<EventsHub>("/slow"));
        Assert.IsType<RedisHubLifetimeManager<EventsHub>>(host.Services.GetRequiredService<HubLifetimeManager<EventsHub>>());

        var received = 0;
        var outOfOrder = -1;
        var target = MaxMessages;
        var all = new Signal();
        var healthy = host.CreateClient("/slow", configure: b => b.AddJsonProtocol());
        healthy.On<int, string>("m", (i, _) =>
        {
            if (i != Volatile.Read(ref received))
            {
                Interlocked.CompareExchange(ref outOfOrder, i, -1);
            }

            if (Interlocked.Increment(ref received) == Volatile.Read(ref target))
            {
                all.TrySetResult();
            }
        });
        await healthy.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        using var stalled = await SlowClientTests.ConnectStalledAsync(host.BaseAddress);
        var ids = await events.ConnectedAsync(2);

        // Each send must complete although one recipient reads nothing, until that one is closed.
        var context = host.Services.GetRequiredService<IHubContext<EventsHub>>();
        var sent = 0;
        while (sent < MaxMessages && !events.Disconnected.Task.IsCompleted)
        {
            await context.Clients.Clients(ids).SendAsync("m", sent, Payload).WaitAsync(TimeSpan.FromSeconds(10));
            sent++;
        }

        var closed = await events.Disconnected.WaitAsync();
        Assert.NotEqual(healthy.ConnectionId, closed);

        // The healthy client got every message, in order, and its connection still works.
        Volatile.Write(ref target, sent);
        if (Volatile.Read(ref received) == sent)
        {
            all.TrySetResult();
        }

        await all.WaitAsync();
        Assert.Equal(-1, outOfOrder);
        Assert.Equal(sent, received);
        Assert.Equal("pong", await healthy.InvokeAsync<string>("Ping").WaitAsync(TestConnection.DefaultTimeout));
    }

    [Fact]
    public async Task Concurrent_joins_and_leaves_of_one_group_end_subscribed_exactly_while_a_member_remains()
    {
        await using var cluster = await RedisCluster.StartAsync(2);
        var a = await ClusterClient.ConnectAsync(cluster.Servers[0], WireProtocol.Json);
        var b = await ClusterClient.ConnectAsync(cluster.Servers[0], WireProtocol.Json);
        var sender = await ClusterClient.ConnectAsync(cluster.Servers[1], WireProtocol.Json);
        var groups = cluster.Servers[0].Services.GetRequiredService<IHubContext<RedisTestHub>>().Groups;

        for (var round = 0; round < 10; round++)
        {
            // Two connections join and leave on threads of their own: first-member subscribes and last-member
            // unsubscribes race, and the subscription must still follow the final membership.
            using var start = new Barrier(2);
            await Task.WhenAll(new[] { a, b }.Select(client => Task.Run(async () =>
            {
                start.SignalAndWait();
                for (var i = 0; i < 10; i++)
                {
                    await groups.AddToGroupAsync(client.Id, "race");
                    await groups.RemoveFromGroupAsync(client.Id, "race");
                }
            })));
            Assert.Equal(0, await cluster.SubscriberCountAsync("g:race"));

            await Task.WhenAll(
                Task.Run(() => groups.AddToGroupAsync(b.Id, "race")),
                Task.Run(async () =>
                {
                    await groups.AddToGroupAsync(a.Id, "race");
                    await groups.RemoveFromGroupAsync(a.Id, "race");
                }));
            Assert.Equal(1, await cluster.SubscriberCountAsync("g:race"));
            await sender.Connection.InvokeAsync("Group", "race", "r" + round).WaitAsync(TestConnection.DefaultTimeout);
            Assert.Equal(("group", "r" + round), await b.Inbox.NextAsync());
            await groups.RemoveFromGroupAsync(b.Id, "race");
        }

        // Nothing else reached a or b: their next message is this broadcast.
        await sender.Connection.InvokeAsync("All", "end").WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(("all", "end"), await a.Inbox.NextAsync());
        Assert.Equal(("all", "end"), await b.Inbox.NextAsync());
    }

    public sealed class ConnectionEvents
    {
        private readonly ConcurrentQueue<string> _connected = new();
        private Signal _next = new();

        public Signal<string> Disconnected { get; } = new();

        public void OnConnected(string id)
        {
            _connected.Enqueue(id);
            Interlocked.Exchange(ref _next, new Signal()).TrySetResult();
        }

        public async Task<string[]> ConnectedAsync(int count)
        {
            while (true)
            {
                var next = Volatile.Read(ref _next);
                if (_connected.Count >= count)
                {
                    return [.. _connected];
                }

                await next.WaitAsync();
            }
        }
    }

    public sealed class EventsHub(ConnectionEvents events) : Hub
    {
        public string Ping() => "pong";

        public override Task OnConnectedAsync()
        {
            events.OnConnected(Context.ConnectionId);
            return Task.CompletedTask;
        }

        public override Task OnDisconnectedAsync(Exception? exception)
        {
            events.Disconnected.TrySetResult(Context.ConnectionId);
            return Task.CompletedTask;
        }
    }
}
