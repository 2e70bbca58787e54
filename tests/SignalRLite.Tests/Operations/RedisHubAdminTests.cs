using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Redis;
using StackExchange.Redis;

namespace SignalRLite.Tests.Operations;

/// <summary>
/// <see cref="IHubAdmin{THub}"/> across three servers on a real redis-server (in-process Kestrel hosts, official .NET
/// clients): each operation reaches the connections wherever they are, and counts them cluster-wide.
/// </summary>
[Trait("Category", "Integration")]
public class RedisHubAdminTests
{
    private static TaskCompletionSource<Exception?> WatchClosed(HubConnection connection)
    {
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        return closed;
    }

    private static IHubAdmin<RedisTestHub> Admin(HubAppHost server) => server.Services.GetRequiredService<IHubAdmin<RedisTestHub>>();

    /// <summary>
    /// Connects and makes one round trip: the handshake is answered before the server registers the connection (as the
    /// official server does), and an admin command sent in between would not find it yet.
    /// </summary>
    private static async Task<HubConnection> ConnectAsync(HubAppHost server, string user, Action<IHubConnectionBuilder>? configure = null)
    {
        var connection = await server.ConnectAsync("/hub", user: user, configure: configure);
        Assert.False(string.IsNullOrEmpty(await connection.InvokeAsync<string>("GetId").WaitAsync(TestConnection.DefaultTimeout)));
        return connection;
    }

    [Fact]
    public async Task Closing_a_user_reaches_their_connections_on_every_server_and_counts_them_all()
    {
        await using var cluster = await RedisCluster.StartAsync(3);
        var bob = await ConnectAsync(cluster.Servers[0], "bob");
        HubConnection[] alice =
        [
            await ConnectAsync(cluster.Servers[1], "alice", configure: b => b.WithAutomaticReconnect()),
            await ConnectAsync(cluster.Servers[2], "alice"),
            await ConnectAsync(cluster.Servers[2], "alice"),
        ];
        var closed = alice.Select(WatchClosed).ToArray();

        // Asked on the server that holds none of alice's connections.
        Assert.Equal(3, await Admin(cluster.Servers[0]).CloseUserAsync("alice", "Your account was suspended."));

        foreach (var close in closed)
        {
            var error = await close.Task.WaitAsync(TestConnection.DefaultTimeout);
            Assert.Equal("The server closed the connection with the following error: Your account was suspended.", error?.Message);
        }

        // allowReconnect false: automatic reconnect does not start.
        Assert.Equal(HubConnectionState.Disconnected, alice[0].State);
        Assert.False(string.IsNullOrEmpty(await bob.InvokeAsync<string>("GetId")));
        Assert.Equal(0, await Admin(cluster.Servers[1]).CloseUserAsync("alice"));
    }

    [Fact]
    public async Task Closing_a_connection_or_a_group_on_other_servers_counts_what_it_reached_and_allowReconnect_brings_clients_back()
    {
        await using var cluster = await RedisCluster.StartAsync(3);
        var member1 = await ConnectAsync(cluster.Servers[1], "m1", configure: b => b.WithAutomaticReconnect([TimeSpan.Zero]));
        var member2 = await ConnectAsync(cluster.Servers[2], "m2", configure: b => b.WithAutomaticReconnect([TimeSpan.Zero]));
        var other = await ConnectAsync(cluster.Servers[2], "o");
        await member1.InvokeAsync("Join", "room");
        await member2.InvokeAsync("Join", "room");
        var reconnected = new[] { member1, member2 }.Select(c =>
        {
            var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            c.Reconnected += id =>
            {
                done.TrySetResult(id);
                return Task.CompletedTask;
            };
            return done;
        }).ToArray();

        Assert.Equal(2, await Admin(cluster.Servers[0]).CloseGroupAsync("room", reason: null, allowReconnect: true));
        foreach (var (done, client) in reconnected.Zip([member1, member2]))
        {
            var newId = await done.Task.WaitAsync(TestConnection.DefaultTimeout);
            Assert.Equal(newId, await client.InvokeAsync<string>("GetId"));
        }

        var otherId = await other.InvokeAsync<string>("GetId");
        var closed = WatchClosed(other);
        Assert.Equal(1, await Admin(cluster.Servers[1]).CloseConnectionAsync(otherId));
        Assert.Null(await closed.Task.WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal(0, await Admin(cluster.Servers[0]).CloseConnectionAsync(otherId));
        Assert.Equal(0, await Admin(cluster.Servers[0]).CloseConnectionAsync("no-such-connection"));
    }

    [Fact]
    public async Task Group_removals_reach_other_servers_and_count_the_connections_and_groups_they_changed()
    {
        await using var cluster = await RedisCluster.StartAsync(3);
        var a1 = await ConnectAsync(cluster.Servers[1], "alice");
        var a2 = await ConnectAsync(cluster.Servers[2], "alice");
        await a1.InvokeAsync("Join", "room");
        await a2.InvokeAsync("Join", "room");
        await a2.InvokeAsync("Join", "lobby");
        Assert.Equal(2, await cluster.SubscriberCountAsync("g:room"));

        Assert.Equal(2, await Admin(cluster.Servers[0]).RemoveUserConnectionsFromGroupAsync("alice", "room"));
        // Each server has unsubscribed from the group it no longer holds before it answered.
        Assert.Equal(0, await cluster.SubscriberCountAsync("g:room"));
        Assert.Equal(0, await Admin(cluster.Servers[0]).RemoveUserConnectionsFromGroupAsync("alice", "room"));

        Assert.Equal(1, await Admin(cluster.Servers[1]).RemoveConnectionFromAllGroupsAsync(await a2.InvokeAsync<string>("GetId")));
        Assert.Equal(0, await cluster.SubscriberCountAsync("g:lobby"));
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_left_out_of_the_count_after_the_bounded_wait()
    {
        await using var cluster = await RedisCluster.StartAsync(2);
        await ConnectAsync(cluster.Servers[0], "alice");
        await ConnectAsync(cluster.Servers[1], "alice");

        // A subscriber that receives the command and never answers: a server that died after PUBLISH counted it.
        await using var silent = await ConnectionMultiplexer.ConnectAsync(cluster.Endpoint);
        await silent.GetSubscriber().SubscribeAsync(RedisChannel.Literal(cluster.Channel("admin")), (_, _) => { });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(2, await Admin(cluster.Servers[0]).CloseUserAsync("alice"));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_HTTP_admin_endpoints_reach_the_whole_cluster()
    {
        await using var cluster = await RedisCluster.StartAsync(2);
        await using var ops = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s =>
            {
                s.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireUserName("root")));
                s.AddSignalRLite().AddStackExchangeRedis(cluster.Endpoint, o => o.Configuration.ChannelPrefix = RedisChannel.Literal(cluster.Prefix));
            },
            app =>
            {
                app.MapHub<RedisTestHub>("/hub");
                app.MapSignalRLiteAdmin<RedisTestHub>("/ops", o => o.AuthorizationPolicy = "admins");
            });
        var alice1 = await ConnectAsync(cluster.Servers[0], "alice");
        var alice2 = await ConnectAsync(cluster.Servers[1], "alice");
        var closed = new[] { alice1, alice2 }.Select(WatchClosed).ToArray();

        using var http = ops.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "root");
        using var response = await http.PostAsync("/ops/users/alice/close?reason=Maintenance", null);
        response.EnsureSuccessStatusCode();
        Assert.Equal("{\"reached\":2}", await response.Content.ReadAsStringAsync());
        foreach (var close in closed)
        {
            Assert.Equal("The server closed the connection with the following error: Maintenance", (await close.Task.WaitAsync(TestConnection.DefaultTimeout))?.Message);
        }
    }
}
