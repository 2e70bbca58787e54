using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Chaos;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Redis;

namespace SignalRLite.Tests.Presence;

/// <summary>
/// Presence and durable groups across a cluster of servers on a real redis-server (issue 17): the same answers from
/// every server, the same events on every server, a user's durable group on the server the user reconnects to, a
/// server killed with SIGKILL leaving no ghosts after the configured expiry, and everything back after Redis restarts.
/// </summary>
public class ClusterPresenceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Three_servers_answer_the_same_and_deliver_the_same_events_in_the_same_order()
    {
        var endpoint = await RedisServer.GetSharedEndpointAsync();
        var prefix = "p" + Guid.NewGuid().ToString("N")[..10];
        var servers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ClusterPresenceHost.StartAsync<ClusterPresenceHub>(endpoint, prefix, Expiry)));
        try
        {
            var presences = servers.Select(s => s.Presence<ClusterPresenceHub>()).ToArray();
            foreach (var presence in presences)
            {
                Assert.Equal(0, await presence.GetConnectionCountAsync()); // also: each server's presence is ready
            }

            var recorders = presences.Select(p => new PresenceRecorder(p.WatchAsync())).ToArray();
            var alice1 = await servers[0].ConnectAsync("/hub", user: "alice");
            var alice2 = await servers[1].ConnectAsync("/hub", user: "alice");
            var bob = await servers[2].ConnectAsync("/hub", user: "bob");
            var anonymous = await servers[1].ConnectAsync("/hub");
            await alice1.InvokeAsync("Join", "red");
            await bob.InvokeAsync("Join", "red");
            await alice2.InvokeAsync("Join", "blue");
            var ids = new Dictionary<string, string>
            {
                ["alice1"] = await alice1.InvokeAsync<string>("Id"),
                ["alice2"] = await alice2.InvokeAsync<string>("Id"),
                ["bob"] = await bob.InvokeAsync<string>("Id"),
                ["anonymous"] = await anonymous.InvokeAsync<string>("Id"),
            };

            // 4 connected, 2 users online, 3 groups joined: every server delivers the same 9 events in the same order.
            var first = await recorders[0].WaitForAsync(9, Timeout);
            Assert.Equal(4, first.Count(e => e.Kind == HubPresenceEventKind.ConnectionConnected));
            Assert.Equal(["alice", "bob"], first.Where(e => e.Kind == HubPresenceEventKind.UserOnline).Select(e => e.UserId).Order());
            Assert.Equal(3, first.Count(e => e.Kind == HubPresenceEventKind.GroupJoined));
            foreach (var recorder in recorders.Skip(1))
            {
                Assert.Equal(Describe(first), Describe(await recorder.WaitForAsync(9, Timeout)));
            }

            // Every query, from every server: the same answer (the writes of a connect and a join are done when they return).
            var sortedIds = ids.Values.Order(StringComparer.Ordinal).ToArray();
            foreach (var presence in presences)
            {
                Assert.Equal(4, await presence.GetConnectionCountAsync());
                Assert.Equal(2, await presence.GetUserCountAsync());
                Assert.Equal(2, await presence.GetUserConnectionCountAsync("alice"));
                Assert.True(await presence.IsOnlineAsync("bob"));
                Assert.False(await presence.IsOnlineAsync("carol"));
                Assert.Equal(2, await presence.GetGroupConnectionCountAsync("red"));
                Assert.Equal(2, await presence.GetGroupUserCountAsync("red"));
                Assert.Equal(1, await presence.GetGroupUserCountAsync("blue"));
                Assert.Equal(["alice", "bob"], (await presence.GetUsersAsync()).Items);
                Assert.Equal(["blue", "red"], (await presence.GetUserGroupsAsync("alice")).Items);
                Assert.Equal(["red"], (await presence.GetConnectionGroupsAsync(ids["alice1"])).Items);
                Assert.Equal(new[] { ids["alice1"], ids["bob"] }.Order(StringComparer.Ordinal), (await presence.GetGroupConnectionsAsync("red")).Items);
                Assert.Equal(["alice", "bob"], (await presence.GetGroupUsersAsync("red")).Items);

                // Paged: 3, then 1, in order, the token of the first page leading to the second.
                var page1 = await presence.GetConnectionsAsync(pageSize: 3);
                var page2 = await presence.GetConnectionsAsync(page1.ContinuationToken, pageSize: 3);
                Assert.Equal(sortedIds, page1.Items.Concat(page2.Items));
                Assert.NotNull(page1.ContinuationToken);
                Assert.Null(page2.ContinuationToken);
            }

            // One of alice's tabs leaves: its group, then itself; alice stays online (no UserOffline).
            await alice2.StopAsync();
            await recorders[0].WaitForAsync(11, Timeout);
            foreach (var recorder in recorders)
            {
                var events = await recorder.WaitForAsync(11, Timeout);
                Assert.Equal(Describe(first.Concat(
                [
                    new HubPresenceEvent(HubPresenceEventKind.GroupLeft, ids["alice2"], "alice", "blue", default),
                    new HubPresenceEvent(HubPresenceEventKind.ConnectionDisconnected, ids["alice2"], "alice", null, default),
                ])), Describe(events));
            }

            foreach (var presence in presences)
            {
                Assert.Equal(3, await presence.GetConnectionCountAsync());
                Assert.Equal(1, await presence.GetUserConnectionCountAsync("alice"));
                Assert.Equal(0, await presence.GetGroupConnectionCountAsync("blue"));
                Assert.Equal(["red"], (await presence.GetUserGroupsAsync("alice")).Items);
            }

            foreach (var recorder in recorders)
            {
                await recorder.DisposeAsync();
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_users_durable_group_is_applied_on_every_server_and_on_the_server_the_user_reconnects_to()
    {
        var endpoint = await RedisServer.GetSharedEndpointAsync();
        var prefix = "p" + Guid.NewGuid().ToString("N")[..10];
        var servers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ClusterPresenceHost.StartAsync<ClusterPresenceHub>(endpoint, prefix, Expiry)));
        try
        {
            var target = servers[0];
            var alice = ClusterPresenceHost.RoutedClient(() => target, "alice");
            var received = Channel.CreateUnbounded<string>();
            alice.On<string>("News", text => received.Writer.TryWrite(text));
            await alice.StartAsync().WaitAsync(Timeout);
            var otherTab = await servers[1].ConnectAsync("/hub", user: "alice");
            var firstId = await alice.InvokeAsync<string>("Id");
            var otherId = await otherTab.InvokeAsync<string>("Id");

            // Added from the third server, which holds no connection of alice: both of hers (on servers 0 and 1) join,
            // and when the call returns every server has applied it (each acknowledged).
            var hub2 = servers[2].Services.GetRequiredService<IHubContext<ClusterPresenceHub>>();
            await hub2.Groups.AddUserToGroupAsync("alice", "vip");
            var presence = servers[2].Presence<ClusterPresenceHub>();
            Assert.Equal(new[] { firstId, otherId }.Order(StringComparer.Ordinal), (await presence.GetGroupConnectionsAsync("vip")).Items.Order(StringComparer.Ordinal));
            await hub2.Clients.Group("vip").SendAsync("News", "1");
            Assert.Equal("1", await received.Reader.ReadAsync().AsTask().WaitAsync(Timeout));

            // The network drops; the client reconnects automatically, and the balancer sends it to server 1 this time.
            var reconnected = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            alice.Reconnected += id =>
            {
                reconnected.TrySetResult(id);
                return Task.CompletedTask;
            };
            target = servers[1];
            await alice.SendAsync("Drop");
            await reconnected.Task.WaitAsync(Timeout);
            var secondId = await alice.InvokeAsync<string>("Id");
            Assert.NotEqual(firstId, secondId);

            // The new connection, on another server, is in the group from its start: seen by presence on every server
            // (the arrival's group joins are written before OnConnectedAsync returns), and reached by a group send.
            foreach (var server in servers)
            {
                Assert.Equal(["vip"], (await server.Presence<ClusterPresenceHub>().GetConnectionGroupsAsync(secondId)).Items);
            }

            await servers[0].Services.GetRequiredService<IHubContext<ClusterPresenceHub>>().Clients.Group("vip").SendAsync("News", "2");
            Assert.Equal("2", await received.Reader.ReadAsync().AsTask().WaitAsync(Timeout));

            // Removed (from server 0, which holds none of her connections now): she leaves the group everywhere.
            await servers[0].Services.GetRequiredService<IHubContext<ClusterPresenceHub>>().Groups.RemoveUserFromGroupAsync("alice", "vip");
            foreach (var server in servers)
            {
                Assert.Equal(0, await server.Presence<ClusterPresenceHub>().GetGroupConnectionCountAsync("vip"));
            }

            await alice.DisposeAsync();
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_durable_membership_with_a_time_to_live_ends_on_every_server()
    {
        var endpoint = await RedisServer.GetSharedEndpointAsync();
        var prefix = "p" + Guid.NewGuid().ToString("N")[..10];
        var servers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ClusterPresenceHost.StartAsync<ClusterPresenceHub>(endpoint, prefix, Expiry)));
        try
        {
            var presence = servers[1].Presence<ClusterPresenceHub>();
            Assert.Equal(0, await presence.GetConnectionCountAsync());
            await using var recorder = new PresenceRecorder(presence.WatchAsync());
            var alice = await servers[0].ConnectAsync("/hub", user: "alice");
            var id = await alice.InvokeAsync<string>("Id");

            // Added on server 2 for a second and a half; applied on server 0 when the call returns. Then server 2 goes
            // away (with its own timer for the membership).
            var added = Stopwatch.StartNew();
            await servers[2].Services.GetRequiredService<IHubContext<ClusterPresenceHub>>().Groups.AddUserToGroupAsync("alice", "trial", TimeSpan.FromSeconds(1.5));
            Assert.Equal(["trial"], (await presence.GetConnectionGroupsAsync(id)).Items);
            await servers[2].DisposeAsync();
            servers = servers[..2];

            // Server 0 armed a timer of its own when it applied the membership: alice's connection leaves on time.
            var left = await recorder.WaitForAsync(e => e.Kind == HubPresenceEventKind.GroupLeft && e.GroupName == "trial", Timeout);
            Assert.Equal(id, left.ConnectionId);
            Assert.True(added.Elapsed >= TimeSpan.FromSeconds(1.4), $"Left after {added.Elapsed.TotalMilliseconds:F0} ms.");
            Assert.Empty((await presence.GetConnectionGroupsAsync(id)).Items);

            // And a later connection of hers does not join it.
            var alice2 = await servers[1].ConnectAsync("/hub", user: "alice");
            Assert.Empty((await presence.GetConnectionGroupsAsync(await alice2.InvokeAsync<string>("Id"))).Items);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_server_killed_with_sigkill_vanishes_from_presence_within_the_configured_expiry()
    {
        var endpoint = await RedisServer.GetSharedEndpointAsync();
        var prefix = "p" + Guid.NewGuid().ToString("N")[..10];
        var expiryMs = ((int)Expiry.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var doomed = await ChaosServerProcess.StartAsync("doomed", endpoint, prefix, ["--presence-expiry-ms", expiryMs]);

        // The observers are in-process servers of the same hub (the process's ChaosServer.ChaosHub, by name).
        var observers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => ClusterPresenceHost.StartAsync<ChaosServer.ChaosHub>(endpoint, prefix, Expiry)));
        try
        {
            var presence = observers[0].Presence<ChaosServer.ChaosHub>();
            Assert.Equal(0, await presence.GetConnectionCountAsync());
            await using var recorder = new PresenceRecorder(presence.WatchAsync());
            var victims = new List<HubConnection>();
            for (var i = 0; i < 3; i++)
            {
                var client = new HubConnectionBuilder().WithUrl(doomed.HubUrl).Build();
                await client.StartAsync().WaitAsync(Timeout);
                victims.Add(client);
            }

            var survivor = await observers[1].ConnectAsync("/hub");
            await recorder.WaitForAsync(4, Timeout);
            Assert.Equal(4, await observers[1].Presence<ChaosServer.ChaosHub>().GetConnectionCountAsync());

            await doomed.KillAsync();
            var killed = Stopwatch.StartNew();

            // The leave events come from the sweep the observers' heartbeats run (every third of the expiry) once the
            // dead server's alive key has expired: at most expiry + expiry / 3 after its last heartbeat.
            await recorder.WaitForAsync(7, Timeout);
            var elapsed = killed.Elapsed;
            output.WriteLine($"The killed server's connections left presence {elapsed.TotalMilliseconds:F0} ms after SIGKILL (expiry {Expiry.TotalMilliseconds} ms).");
            Assert.Equal(3, recorder.Events.Count(e => e.Kind == HubPresenceEventKind.ConnectionDisconnected));
            Assert.True(elapsed < Expiry + (Expiry / 3) + TimeSpan.FromSeconds(1.5), $"The ghosts lasted {elapsed.TotalMilliseconds:F0} ms after the kill (expiry {Expiry.TotalMilliseconds} ms).");
            foreach (var observer in observers)
            {
                Assert.Equal(1, await observer.Presence<ChaosServer.ChaosHub>().GetConnectionCountAsync());
            }

            foreach (var victim in victims)
            {
                await victim.DisposeAsync();
            }
        }
        finally
        {
            foreach (var observer in observers)
            {
                await observer.DisposeAsync();
            }
        }
    }

    [Theory]
    [Trait("Category", "Integration")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_redis_restarts_presence_and_durable_groups_are_back(bool redisPersists)
    {
        await using var redis = await RedisServer.StartAsync(persistent: redisPersists);
        var prefix = "p" + Guid.NewGuid().ToString("N")[..10];
        var servers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ClusterPresenceHost.StartAsync<ClusterPresenceHub>(redis.Endpoint, prefix, Expiry)));
        try
        {
            var alice = await servers[0].ConnectAsync("/hub", user: "alice");
            var bob = await servers[1].ConnectAsync("/hub", user: "bob");
            var received = Channel.CreateUnbounded<string>();
            alice.On<string>("News", text => received.Writer.TryWrite("alice:" + text));
            await bob.InvokeAsync("Join", "red");
            await servers[2].Services.GetRequiredService<IHubContext<ClusterPresenceHub>>().Groups.AddUserToGroupAsync("alice", "vip");
            var presence = servers[2].Presence<ClusterPresenceHub>();
            Assert.Equal(2, await presence.GetConnectionCountAsync());

            // Redis dies (SIGKILL) and comes back: empty, or with its append-only file.
            await redis.KillAsync();
            await redis.RestartAsync();

            // Each server notices (its heartbeat, or the restored connection, finds it unregistered) and re-publishes
            // what it holds. Nothing announces the end of that to this test (the re-publication's events may come
            // before the event channel is subscribed again), so poll the observable state, with a deadline.
            foreach (var server in servers)
            {
                var p = server.Presence<ClusterPresenceHub>();
                await TestWaits.UntilAsync(
                    async () =>
                    {
                        try
                        {
                            return await p.GetConnectionCountAsync() == 2 && await p.GetGroupConnectionCountAsync("red") == 1 && await p.GetGroupConnectionCountAsync("vip") == 1;
                        }
                        catch (StackExchange.Redis.RedisException)
                        {
                            return false; // Still reconnecting.
                        }
                    },
                    "Presence did not come back after the Redis restart.",
                    Timeout);
            }

            Assert.Equal(["alice", "bob"], (await presence.GetUsersAsync()).Items);
            Assert.Equal(["vip"], (await presence.GetUserGroupsAsync("alice")).Items);

            // The connection's membership lives on its server: a send to the group still reaches it.
            await servers[1].Services.GetRequiredService<IHubContext<ClusterPresenceHub>>().Clients.Group("vip").SendAsync("News", "back");
            Assert.Equal("alice:back", await received.Reader.ReadAsync().AsTask().WaitAsync(Timeout));

            // A later connection of alice, on another server, joins the durable group if Redis kept the store's data:
            // the Redis store is exactly as durable as the Redis it lives in (docs/presence.md).
            var alice2 = await servers[2].ConnectAsync("/hub", user: "alice");
            var alice2Id = await alice2.InvokeAsync<string>("Id");
            Assert.Equal(redisPersists ? ["vip"] : [], (await presence.GetConnectionGroupsAsync(alice2Id)).Items);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static List<string> Describe(IEnumerable<HubPresenceEvent> events) =>
        [.. events.Select(e => $"{e.Kind} {e.ConnectionId} {e.UserId} {e.GroupName}")];
}
