using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Redis;

/// <summary>Three SignalRLite servers sharing a real redis-server; official .NET clients attached to different servers.</summary>
[Trait("Category", "Integration")]
public sealed class RedisBackplaneTests
{
    [Theory]
    [InlineData(WireProtocol.Json)]
    [InlineData(WireProtocol.MessagePack)]
    public async Task EveryTargetReachesConnectionsOnOtherServers(WireProtocol protocol)
    {
        await using var cluster = await RedisCluster.StartAsync(3);
        var (s1, s2, s3) = (cluster.Servers[0], cluster.Servers[1], cluster.Servers[2]);
        var a = await ClusterClient.ConnectAsync(s1, protocol, "alice");
        var b = await ClusterClient.ConnectAsync(s2, protocol, "bob");
        var c = await ClusterClient.ConnectAsync(s3, protocol, "carol");
        var d = await ClusterClient.ConnectAsync(s3, protocol, "alice");
        await a.Connection.InvokeAsync("Join", "g1");
        await c.Connection.InvokeAsync("Join", "g1");
        await b.Connection.InvokeAsync("Join", "g2");
        ClusterClient[] everyone = [a, b, c, d];

        async Task Step(ClusterClient sender, string kind, string method, object?[] args, params ClusterClient[] expected)
        {
            await sender.Connection.InvokeCoreAsync(method, args).WaitAsync(TestConnection.DefaultTimeout);
            foreach (var client in expected)
            {
                var (gotKind, message) = await client.Inbox.NextAsync();
                Assert.Equal((kind, (string)args[^1]!), (gotKind, message));
            }
        }

        await Step(b, "all", "All", ["m1"], a, b, c, d);
        await Step(b, "allExcept", "AllExcept", [new[] { a.Id, c.Id }, "m2"], b, d);
        await Step(b, "client", "Client", [c.Id, "m3"], c);
        await Step(b, "clients", "ClientsList", [new[] { a.Id, d.Id, b.Id }, "m4"], a, b, d);
        await Step(b, "group", "Group", ["g1", "m5"], a, c);
        await Step(b, "groups", "GroupsList", [new[] { "g1", "g2" }, "m6"], a, b, c);
        await Step(b, "groupExcept", "GroupExcept", ["g1", new[] { c.Id }, "m7"], a);
        await Step(a, "othersInGroup", "OthersInGroup", ["g1", "m8"], c);
        await Step(b, "user", "User", ["alice", "m9"], a, d);
        await Step(a, "users", "UsersList", [new[] { "bob", "carol" }, "m10"], b, c);

        // Nobody got anything it should not have: the next message of every client is the final broadcast.
        await b.Connection.InvokeAsync("All", "end");
        foreach (var client in everyone)
        {
            Assert.Equal(("all", "end"), await client.Inbox.NextAsync());
        }
    }

    [Theory]
    [InlineData(WireProtocol.Json)]
    [InlineData(WireProtocol.MessagePack)]
    public async Task GroupChangesForConnectionOnAnotherServerAreAcknowledged(WireProtocol protocol)
    {
        await using var cluster = await RedisCluster.StartAsync(3);
        var a = await ClusterClient.ConnectAsync(cluster.Servers[0], protocol);
        var b = await ClusterClient.ConnectAsync(cluster.Servers[1], protocol);
        var c = await ClusterClient.ConnectAsync(cluster.Servers[2], protocol);

        // Server 1 adds a connection of server 3; once acknowledged, server 3 is subscribed to the group.
        await a.Connection.InvokeAsync("AddToGroup", c.Id, "remote");
        Assert.Equal(1, await cluster.SubscriberCountAsync("g:remote"));
        await b.Connection.InvokeAsync("Group", "remote", "in");
        Assert.Equal(("group", "in"), await c.Inbox.NextAsync());

        await a.Connection.InvokeAsync("RemoveFromGroup", c.Id, "remote");
        Assert.Equal(0, await cluster.SubscriberCountAsync("g:remote"));
        await b.Connection.InvokeAsync("Group", "remote", "out");
        await b.Connection.InvokeAsync("Client", c.Id, "fence");
        Assert.Equal(("client", "fence"), await c.Inbox.NextAsync());

        // A connection that no server holds: nothing to do, and no waiting for an acknowledgement.
        await a.Connection.InvokeAsync("AddToGroup", "no-such-connection", "remote").WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await cluster.SubscriberCountAsync("g:remote"));
    }

    [Theory]
    [InlineData(WireProtocol.Json)]
    [InlineData(WireProtocol.MessagePack)]
    public async Task ClientResultFromConnectionOnAnotherServer(WireProtocol protocol)
    {
        await using var cluster = await RedisCluster.StartAsync(2);
        var a = await ClusterClient.ConnectAsync(cluster.Servers[0], protocol);
        var c = await ClusterClient.ConnectAsync(cluster.Servers[1], protocol, handlers: connection =>
        {
            connection.On<int, int>("Compute", x => x * 2);
            connection.On<string, string>("Echo", s => s == "fail" ? throw new InvalidOperationException("client refused") : s + "!");
        });

        Assert.Equal(42, await a.Connection.InvokeAsync<int>("InvokeClient", c.Id, 21).WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal("hi!", await a.Connection.InvokeAsync<string>("InvokeClientString", c.Id, "hi").WaitAsync(TestConnection.DefaultTimeout));

        // The client's error travels back through Redis as the hub method's error.
        var error = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => a.Connection.InvokeAsync<string>("InvokeClientString", c.Id, "fail").WaitAsync(TestConnection.DefaultTimeout));
        Assert.Contains("client refused", error.Message);

        // No server holds the connection: the invocation fails at once.
        var missing = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => a.Connection.InvokeAsync<int>("InvokeClient", "no-such-connection", 1).WaitAsync(TestConnection.DefaultTimeout));
        Assert.Contains("does not exist", missing.Message);
    }

    [Fact]
    public async Task HubContextOfProcessWithoutConnectionsReachesEveryServer()
    {
        await using var cluster = await RedisCluster.StartAsync(3);
        var a = await ClusterClient.ConnectAsync(cluster.Servers[1], WireProtocol.Json, "alice");
        var c = await ClusterClient.ConnectAsync(cluster.Servers[2], WireProtocol.MessagePack, "carol", connection => connection.On<int, int>("Compute", x => x + 1));
        var context = cluster.Servers[0].Services.GetRequiredService<IHubContext<RedisTestHub>>();

        await context.Clients.All.SendAsync("Receive", "all", "from-context");
        Assert.Equal(("all", "from-context"), await a.Inbox.NextAsync());
        Assert.Equal(("all", "from-context"), await c.Inbox.NextAsync());

        await context.Groups.AddToGroupAsync(c.Id, "ctx");
        await context.Clients.Group("ctx").SendAsync("Receive", "group", "g");
        await context.Clients.User("alice").SendAsync("Receive", "user", "u");
        Assert.Equal(("group", "g"), await c.Inbox.NextAsync());
        Assert.Equal(("user", "u"), await a.Inbox.NextAsync());

        Assert.Equal(8, await context.Clients.Client(c.Id).InvokeAsync<int>("Compute", 7, CancellationToken.None).WaitAsync(TestConnection.DefaultTimeout));

        // The process that holds no connections does not listen to the hub's broadcasts.
        Assert.Equal(2, await cluster.SubscriberCountAsync("all"));
    }

    [Fact]
    public async Task ServersSubscribeOnlyToWhatTheirConnectionsNeedAndDeadServersLeaveNothingBehind()
    {
        await using var cluster = await RedisCluster.StartAsync(3);
        var a = await ClusterClient.ConnectAsync(cluster.Servers[0], WireProtocol.Json, "alice");
        var b = await ClusterClient.ConnectAsync(cluster.Servers[1], WireProtocol.Json, "bob");
        await b.Connection.InvokeAsync("Join", "solo");

        Assert.Equal(1, await cluster.SubscriberCountAsync("g:solo"));
        Assert.Equal(1, await cluster.SubscriberCountAsync("u:bob"));
        Assert.Equal(1, await cluster.SubscriberCountAsync("c:" + b.Id));
        Assert.Equal(2, await cluster.SubscriberCountAsync("all"));

        // A disconnect ends the connection's subscriptions.
        await a.Connection.StopAsync();
        await WaitForAsync(async () => await cluster.SubscriberCountAsync("u:alice") == 0);
        Assert.Equal(0, await cluster.SubscriberCountAsync("c:" + a.Id));

        // A server that goes away takes its groups and users with it: no shared state to clean up.
        await cluster.Servers[1].DisposeAsync();
        Assert.Equal(0, await cluster.SubscriberCountAsync("g:solo"));
        Assert.Equal(0, await cluster.SubscriberCountAsync("u:bob"));
    }

    // The Redis server exposes no event for subscription changes (PUBSUB NUMSUB is a query): poll it.
    private static Task WaitForAsync(Func<Task<bool>> condition) => TestWaits.UntilAsync(condition, "Condition not met in time.");
}
