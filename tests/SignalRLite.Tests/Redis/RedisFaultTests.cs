using Microsoft.AspNetCore.SignalR.Client;
using SignalRLite.Tests.Infrastructure;
using StackExchange.Redis;

namespace SignalRLite.Tests.Redis;

/// <summary>Kills and restarts a redis-server of its own while two servers with clients run.</summary>
[Trait("Category", "Integration")]
public sealed class RedisFaultTests
{
    [Fact]
    public async Task ServersKeepTheirClientsAndResumeDeliveryAfterRedisRestarts()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await RedisCluster.StartAsync(2, redis.Endpoint, o => o.Configuration.ReconnectRetryPolicy = new LinearRetry(200));
        var a = await ClusterClient.ConnectAsync(cluster.Servers[0], WireProtocol.Json, "alice");
        var b = await ClusterClient.ConnectAsync(cluster.Servers[1], WireProtocol.MessagePack, "bob");
        var closed = new Signal<Exception?>();
        a.Connection.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        b.Connection.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        await a.Connection.InvokeAsync("Join", "g");

        await b.Connection.InvokeAsync("All", "before");
        Assert.Equal(("all", "before"), await a.Inbox.NextAsync());
        Assert.Equal(("all", "before"), await b.Inbox.NextAsync());

        await redis.KillAsync();

        // While Redis is down a send fails in the sender (after the configured AsyncTimeout); the clients stay connected.
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => b.Connection.InvokeAsync("All", "lost").WaitAsync(TestConnection.DefaultTimeout));
        await redis.RestartAsync();

        // After reconnecting, the servers renew their subscriptions: the all, group, user and connection channels deliver again.
        await UntilDeliveredAsync(a, "all", i => b.Connection.InvokeAsync("All", i));
        await UntilDeliveredAsync(a, "group", i => b.Connection.InvokeAsync("Group", "g", i));
        await UntilDeliveredAsync(a, "user", i => b.Connection.InvokeAsync("User", "alice", i));
        await UntilDeliveredAsync(a, "client", i => b.Connection.InvokeAsync("Client", a.Id, i));

        Assert.False(closed.Task.IsCompleted);
        Assert.Equal(HubConnectionState.Connected, a.Connection.State);
        Assert.Equal(HubConnectionState.Connected, b.Connection.State);
        Assert.Equal(a.Id, await a.Connection.InvokeAsync<string>("GetId"));
    }

    [Fact]
    public async Task ConnectionArrivingWhileRedisIsDownIsRefusedAndLaterOnesWork()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await RedisCluster.StartAsync(2, redis.Endpoint, o => o.Configuration.ReconnectRetryPolicy = new LinearRetry(200));
        var a = await ClusterClient.ConnectAsync(cluster.Servers[0], WireProtocol.Json);
        await redis.KillAsync();

        // Its subscriptions cannot be made: OnConnectedAsync fails (after AsyncTimeout) and the connection is closed.
        var refused = await Record.ExceptionAsync(() => ClusterClient.ConnectAsync(cluster.Servers[1], WireProtocol.Json));
        Assert.NotNull(refused);
        Assert.Equal(HubConnectionState.Connected, a.Connection.State);

        await redis.RestartAsync();
        var b = await ClusterClient.ConnectAsync(cluster.Servers[1], WireProtocol.Json);
        await UntilDeliveredAsync(b, "client", i => a.Connection.InvokeAsync("Client", b.Id, i));
        await UntilDeliveredAsync(a, "all", i => b.Connection.InvokeAsync("All", i));
    }

    /// <summary>Sends numbered messages until one arrives: resubscription has no event a test could await.</summary>
    private static async Task UntilDeliveredAsync(ClusterClient receiver, string kind, Func<string, Task> send)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        for (var i = 0; ; i++)
        {
            Assert.True(DateTime.UtcNow < deadline, $"No '{kind}' message was delivered after Redis restarted.");
            try
            {
                await send(kind + i).WaitAsync(TestConnection.DefaultTimeout);
            }
            catch (Microsoft.AspNetCore.SignalR.HubException)
            {
                // Not reconnected yet: the publish failed. Pace the retries; this is not a synchronisation.
                await TestWaits.PaceAsync(TimeSpan.FromMilliseconds(100));
                continue;
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                while (true)
                {
                    var (gotKind, _) = await receiver.Inbox.NextAsync(wait.Token);
                    if (gotKind == kind)
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Published before the receiving server resubscribed: lost, as documented. Try again.
            }
        }
    }
}
