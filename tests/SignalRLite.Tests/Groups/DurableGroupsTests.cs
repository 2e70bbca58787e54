using System.Security.Claims;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Hubs;
using SignalRLite.Tests.Infrastructure;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Groups;

public sealed class DurableGroupHub : Hub
{
    public string Id() => Context.ConnectionId;

    // The transport's request dies (as when a network drops): the client sees the connection lost, not a Close.
    public void Drop() => Context.GetHttpContext()!.Abort();

    public Task JoinMe(string group) => Groups.AddUserToGroupAsync(Context.UserIdentifier!, group);
}

public class DurableGroupsTests
{
    [Theory]
    [Trait("Category", "Integration")]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.ServerSentEvents)]
    public async Task A_users_group_reaches_every_connection_now_later_and_after_automatic_reconnect_until_removed(ClientTransport transport)
    {
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s => s.AddSignalRLite().AddDurableGroups(),
            app => app.MapHub<DurableGroupHub>("/durable"));
        var hub = host.Services.GetRequiredService<IHubContext<DurableGroupHub>>();

        var tab1 = await host.ConnectAsync("/durable", transport, user: "alice", configure: b => b.WithAutomaticReconnect([TimeSpan.Zero]));
        var tab2 = await host.ConnectAsync("/durable", transport, user: "alice");
        var bob = await host.ConnectAsync("/durable", transport, user: "bob");
        var received = Channel.CreateUnbounded<string>();
        void Listen(HubConnection c, string name) => c.On<string>("News", text => received.Writer.TryWrite(name + ":" + text));
        Listen(tab1, "tab1");
        Listen(tab2, "tab2");
        Listen(bob, "bob");

        await hub.Groups.AddUserToGroupAsync("alice", "vip");
        await hub.Clients.Group("vip").SendAsync("News", "1");
        Assert.Equal(["tab1:1", "tab2:1"], await ReadAsync(received.Reader, 2));

        // A later connection of the user is in the group from its start.
        var tab3 = await host.ConnectAsync("/durable", transport, user: "alice");
        Listen(tab3, "tab3");

        // Automatic reconnect: a new connection (new ID) of the same user, in the group again.
        var reconnected = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        tab1.Reconnected += id =>
        {
            reconnected.TrySetResult(id);
            return Task.CompletedTask;
        };
        var before = await tab1.InvokeAsync<string>("Id");
        _ = tab1.InvokeAsync("Drop");
        var after = await reconnected.Task.WaitAsync(TestConnection.DefaultTimeout);
        Assert.NotEqual(before, after);
        await host.WaitUntilRegisteredAsync("/durable", tab1);

        await hub.Clients.Group("vip").SendAsync("News", "2");
        Assert.Equal(["tab1:2", "tab2:2", "tab3:2"], await ReadAsync(received.Reader, 3));

        // A hub method can bind its own user too; then removal takes every connection out, now and later.
        await bob.InvokeAsync("JoinMe", "vip");
        await hub.Groups.RemoveUserFromGroupAsync("alice", "vip");
        var tab4 = await host.ConnectAsync("/durable", transport, user: "alice");
        Listen(tab4, "tab4");
        await hub.Clients.Group("vip").SendAsync("News", "3");
        Assert.Equal(["bob:3"], await ReadAsync(received.Reader, 1));

        // Nothing else arrived for alice's connections: a marker sent to all comes next for each of them.
        await hub.Clients.All.SendAsync("News", "end");
        Assert.Equal(["bob:end", "tab1:end", "tab2:end", "tab3:end", "tab4:end"], await ReadAsync(received.Reader, 5));
    }

    [Fact]
    public async Task Connection_groups_keep_their_official_semantics_beside_user_groups()
    {
        await using var server = HubTestServer.Create<TestHub>(builder: b => b.AddDurableGroups().AddHubPresence());
        var hub = server.HubContext;
        var presence = server.Services.GetRequiredService<IHubPresence<TestHub>>();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "carol")], "test"));
        var first = await server.ConnectAsync(user: user);
        await hub.Groups.AddToGroupAsync(first.ConnectionId, "connection-only");
        await hub.Groups.AddUserToGroupAsync("carol", "bound");

        var second = await server.ConnectAsync(user: user);
        await second.SendAsync(HubTestServer.Invocation("1", "Echo", "x"));
        await second.ReadNonPingAsync();
        Assert.Equal(["bound"], (await presence.GetConnectionGroupsAsync(second.ConnectionId)).Items);
        Assert.Equal(["bound", "connection-only"], (await presence.GetConnectionGroupsAsync(first.ConnectionId)).Items);
    }

    [Fact]
    public async Task Adds_and_removes_racing_connections_end_exactly_as_the_last_operation_says()
    {
        await using var server = HubTestServer.Create<TestHub>(builder: b => b.AddDurableGroups().AddHubPresence());
        var hub = server.HubContext;
        var presence = server.Services.GetRequiredService<IHubPresence<TestHub>>();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "dave")], "test"));

        // 200 connections of one user arrive while the membership flips 200 times; the last operation is a remove.
        var connects = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            var connection = await server.ConnectAsync(user: user);
            // An answered invocation: the connection is registered (and its durable groups applied) by now.
            await connection.SendAsync(HubTestServer.Invocation("1", "Echo", "x"));
            await connection.ReadNonPingAsync();
        })).ToList();
        for (var i = 0; i < 200; i++)
        {
            await (i % 2 == 0 ? hub.Groups.AddUserToGroupAsync("dave", "flip") : hub.Groups.RemoveUserFromGroupAsync("dave", "flip"));
        }

        await Task.WhenAll(connects);
        await hub.Groups.AddUserToGroupAsync("dave", "flip");
        await hub.Groups.RemoveUserFromGroupAsync("dave", "flip");
        Assert.Equal(200, await presence.GetUserConnectionCountAsync("dave"));
        Assert.Equal(0, await presence.GetGroupConnectionCountAsync("flip"));

        await hub.Groups.AddUserToGroupAsync("dave", "flip");
        Assert.Equal(200, await presence.GetGroupConnectionCountAsync("flip"));
    }

    [Fact]
    public async Task A_time_to_live_takes_the_users_connections_out_when_it_runs_out_and_a_later_add_wins()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = HubTestServer.Create<TestHub>(services: s => s.AddSingleton<TimeProvider>(time), builder: b => b.AddDurableGroups().AddHubPresence());
        var hub = server.HubContext;
        var presence = server.Services.GetRequiredService<IHubPresence<TestHub>>();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "erin")], "test"));
        var connection = await server.ConnectAsync(user: user);
        await connection.SendAsync(HubTestServer.Invocation("1", "Echo", "x"));
        await connection.ReadNonPingAsync();
        var events = presence.WatchAsync().GetAsyncEnumerator();

        await hub.Groups.AddUserToGroupAsync("erin", "trial", TimeSpan.FromSeconds(60));
        Assert.Equal(1, await presence.GetGroupConnectionCountAsync("trial"));

        // Renewed at 30 s for another 60 s: the first timer (at 60 s) finds the membership still listed and leaves it.
        time.Advance(TimeSpan.FromSeconds(30));
        await hub.Groups.AddUserToGroupAsync("erin", "trial", TimeSpan.FromSeconds(60));
        time.Advance(TimeSpan.FromSeconds(31));
        await hub.Groups.AddUserToGroupAsync("someone-else", "barrier"); // passes the gate after the expiry check
        Assert.Equal(1, await presence.GetGroupConnectionCountAsync("trial"));

        // At 90 s the renewed one runs out: the connection leaves the group, and a later connection does not join it.
        time.Advance(TimeSpan.FromSeconds(30));
        HubPresenceEvent left;
        do
        {
            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));
            left = events.Current;
        }
        while (left.Kind != HubPresenceEventKind.GroupLeft);

        Assert.Equal(("trial", connection.ConnectionId), (left.GroupName, left.ConnectionId));
        var later = await server.ConnectAsync(user: user);
        await later.SendAsync(HubTestServer.Invocation("1", "Echo", "x"));
        await later.ReadNonPingAsync();
        Assert.Equal(0, await presence.GetGroupConnectionCountAsync("trial"));
        await events.DisposeAsync();
    }

    [Fact]
    public async Task Without_AddDurableGroups_user_groups_say_what_is_missing()
    {
        await using var server = HubTestServer.Create<TestHub>();
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => server.HubContext.Groups.AddUserToGroupAsync("u", "g"));
        Assert.Equal("User-bound groups need AddSignalRLite().AddDurableGroups().", error.Message);
    }

    private static async Task<string[]> ReadAsync(ChannelReader<string> reader, int count)
    {
        var items = new List<string>();
        for (var i = 0; i < count; i++)
        {
            items.Add(await reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));
        }

        return [.. items.Order(StringComparer.Ordinal)];
    }
}
