using System.Security.Claims;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Internal.Presence;
using SignalRLite.Tests.Hubs;
using SignalRLite.Tests.Infrastructure;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Presence;

public sealed class PresenceHub : Hub
{
    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task Leave(string group) => Groups.RemoveFromGroupAsync(Context.ConnectionId, group);

    public string Id() => Context.ConnectionId;
}

public class HubPresenceTests
{
    private static Task<HubAppHost> StartAsync() => HubAppHost.StartAsync(
        HubHostKind.Kestrel,
        s => s.AddSignalRLite().AddHubPresence(),
        app => app.MapHub<PresenceHub>("/presence"));

    [Theory]
    [Trait("Category", "Integration")]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.ServerSentEvents)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task Counts_and_lists_follow_the_official_clients_connections_groups_and_disconnects(ClientTransport transport)
    {
        await using var host = await StartAsync();
        var presence = host.Services.GetRequiredService<IHubPresence<PresenceHub>>();
        var events = presence.WatchAsync().GetAsyncEnumerator();

        var alice1 = await host.ConnectAsync("/presence", transport, user: "alice");
        var alice2 = await host.ConnectAsync("/presence", transport, user: "alice");
        var bob = await host.ConnectAsync("/presence", transport, user: "bob");
        var anonymous = await host.ConnectAsync("/presence", transport);
        var a1 = await alice1.InvokeAsync<string>("Id");
        var a2 = await alice2.InvokeAsync<string>("Id");
        var b = await bob.InvokeAsync<string>("Id");
        await alice1.InvokeAsync("Join", "room");
        await bob.InvokeAsync("Join", "room");
        await alice2.InvokeAsync("Join", "other");
        await anonymous.InvokeAsync("Join", "room");

        Assert.Equal(4, await presence.GetConnectionCountAsync());
        Assert.Equal(2, await presence.GetUserCountAsync());
        Assert.Equal(2, await presence.GetUserConnectionCountAsync("alice"));
        Assert.Equal(3, await presence.GetGroupConnectionCountAsync("room"));
        Assert.Equal(2, await presence.GetGroupUserCountAsync("room"));
        Assert.True(await presence.IsOnlineAsync("bob"));
        Assert.False(await presence.IsOnlineAsync("carol"));
        Assert.Equal(Sorted(a1, a2), (await presence.GetUserConnectionsAsync("alice")).Items);
        Assert.Equal(["alice", "bob"], (await presence.GetGroupUsersAsync("room")).Items);
        Assert.Equal(["alice", "bob"], (await presence.GetUsersAsync()).Items);
        Assert.Equal(["other", "room"], (await presence.GetUserGroupsAsync("alice")).Items);
        Assert.Equal(["room"], (await presence.GetConnectionGroupsAsync(b)).Items);

        // Bob leaves for good: his connection leaves the group, and he goes offline, as one event sequence.
        await bob.DisposeAsync();
        var seen = new List<HubPresenceEvent>();
        while (seen.Count == 0 || seen[^1].Kind != HubPresenceEventKind.UserOffline)
        {
            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));
            if (events.Current.ConnectionId == b)
            {
                seen.Add(events.Current);
            }
        }

        Assert.Equal(
            [HubPresenceEventKind.ConnectionConnected, HubPresenceEventKind.UserOnline, HubPresenceEventKind.GroupJoined, HubPresenceEventKind.GroupLeft, HubPresenceEventKind.ConnectionDisconnected, HubPresenceEventKind.UserOffline],
            seen.Select(e => e.Kind));
        Assert.All(seen, e => Assert.Equal("bob", e.UserId));
        Assert.Equal(3, await presence.GetConnectionCountAsync());
        Assert.False(await presence.IsOnlineAsync("bob"));
        Assert.Equal(1, await presence.GetGroupUserCountAsync("room"));
        Assert.Equal(Array.Empty<string>(), (await presence.GetConnectionGroupsAsync(b)).Items);
        await events.DisposeAsync();
    }

    [Fact]
    public void Pages_walk_every_member_once_in_ordinal_order()
    {
        var members = Enumerable.Range(0, 250).Select(i => $"c{i * 7919 % 1000:D3}").Distinct().ToList();
        var walked = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = PresencePaging.Page(members, token, 100);
            walked.AddRange(page.Items);
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(members.Order(StringComparer.Ordinal), walked);
        Assert.Empty(PresencePaging.Page(null, null, 10).Items);
        Assert.Null(PresencePaging.Page(["a", "b"], null, 2).ContinuationToken);
    }

    [Fact]
    public async Task A_thousand_connects_and_disconnects_racing_group_joins_leave_exact_counts_and_balanced_events()
    {
        await using var server = HubTestServer.Create<TestHub>(builder: b => b.AddHubPresence());
        var presence = server.Services.GetRequiredService<IHubPresence<TestHub>>();
        var lifetime = server.Services.GetRequiredService<HubLifetimeManager<TestHub>>();
        var watched = Channel.CreateUnbounded<HubPresenceEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in presence.WatchAsync())
            {
                await watched.Writer.WriteAsync(e);
            }
        });
        var callbackEvents = Channel.CreateUnbounded<HubPresenceEvent>();
        using var subscription = presence.Subscribe((e, _) => callbackEvents.Writer.WriteAsync(e).AsTask());

        const int Connections = 1000;
        await Parallel.ForEachAsync(Enumerable.Range(0, Connections), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "u" + (i % 10))], "test"));
            var connection = await server.ConnectAsync(user: user);
            // Joins race the disconnect: some land before it, some after (then they find no connection and do nothing).
            var joins = Task.WhenAll(
                lifetime.AddToGroupAsync(connection.ConnectionId, "g" + (i % 7)),
                lifetime.AddToGroupAsync(connection.ConnectionId, "all"));
            connection.CompleteInput();
            await joins;
            await connection.HandlerTask;
        });

        Assert.Equal(0, await presence.GetConnectionCountAsync());
        Assert.Equal(0, await presence.GetUserCountAsync());
        Assert.Equal(0, await presence.GetGroupConnectionCountAsync("all"));
        Assert.Empty((await presence.GetConnectionsAsync()).Items);

        // Each connection: connected once, disconnected once, every join matched by a leave; each user online and
        // offline alternately, ending offline. Both subscribers saw the same sequence.
        var fromWatch = await DrainAsync(watched.Reader, Connections);
        var fromCallback = await DrainAsync(callbackEvents.Reader, Connections);
        Assert.Equal(fromWatch.Select(Describe), fromCallback.Select(Describe));
        foreach (var perConnection in fromWatch.GroupBy(e => e.ConnectionId))
        {
            var kinds = perConnection.Select(e => e.Kind).ToList();
            Assert.Equal(HubPresenceEventKind.ConnectionConnected, kinds[0]);
            Assert.Equal(1, kinds.Count(k => k == HubPresenceEventKind.ConnectionDisconnected));
            Assert.Equal(kinds.Count(k => k == HubPresenceEventKind.GroupJoined), kinds.Count(k => k == HubPresenceEventKind.GroupLeft));
        }

        Assert.Equal(Connections, fromWatch.Count(e => e.Kind == HubPresenceEventKind.ConnectionDisconnected));
        foreach (var perUser in fromWatch.Where(e => e.Kind is HubPresenceEventKind.UserOnline or HubPresenceEventKind.UserOffline).GroupBy(e => e.UserId))
        {
            var kinds = perUser.Select(e => e.Kind).ToList();
            for (var i = 0; i < kinds.Count; i++)
            {
                Assert.Equal(i % 2 == 0 ? HubPresenceEventKind.UserOnline : HubPresenceEventKind.UserOffline, kinds[i]);
            }

            Assert.Equal(HubPresenceEventKind.UserOffline, kinds[^1]);
        }
    }

    [Fact]
    public async Task A_callback_that_throws_is_logged_and_gets_the_next_event()
    {
        await using var server = HubTestServer.Create<TestHub>(builder: b => b.AddHubPresence());
        var presence = server.Services.GetRequiredService<IHubPresence<TestHub>>();
        var received = Channel.CreateUnbounded<HubPresenceEventKind>();
        using var subscription = presence.Subscribe(async (e, _) =>
        {
            await received.Writer.WriteAsync(e.Kind);
            if (e.Kind == HubPresenceEventKind.ConnectionConnected)
            {
                throw new InvalidOperationException("callback bug");
            }
        });

        var connection = await server.ConnectAsync();
        connection.CompleteInput();
        await connection.HandlerTask;
        Assert.Equal(HubPresenceEventKind.ConnectionConnected, await received.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal(HubPresenceEventKind.ConnectionDisconnected, await received.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));
    }

    [Fact]
    public async Task Presence_attached_late_sees_the_connections_already_there_and_attaches_once()
    {
        // Without AddHubPresence nothing attaches a tracker; attaching one after a connection joined a group seeds it.
        await using var server = HubTestServer.Create<TestHub>();
        var lifetime = server.Services.GetRequiredService<HubLifetimeManager<TestHub>>();
        var connection = await server.ConnectAsync();
        await lifetime.AddToGroupAsync(connection.ConnectionId, "g");

        var registry = ((DefaultHubLifetimeManager<TestHub>)lifetime).Registry;
        var tracker = (HubPresenceTracker)registry.GetOrAttachObserver(() => new HubPresenceTracker(TimeProvider.System));
        Assert.Equal(1, tracker.ConnectionCount);
        Assert.Equal(1, tracker.CountOf(PresenceSet.GroupConnections, "g"));
        Assert.Same(tracker, registry.GetOrAttachObserver(() => throw new InvalidOperationException("attached twice")));

        connection.CompleteInput();
        await connection.HandlerTask;
        Assert.Equal(0, tracker.ConnectionCount);
        Assert.Equal(0, tracker.CountOf(PresenceSet.GroupConnections, "g"));
    }

    [Fact]
    public async Task AddHubPresence_with_a_lifetime_manager_without_presence_fails_at_MapHub_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HubAppHost.StartAsync(
            HubHostKind.TestHost,
            s =>
            {
                s.AddSignalRLite().AddHubPresence();
                s.AddSingleton(typeof(HubLifetimeManager<>), typeof(NoPresenceLifetimeManager<>));
            },
            app => app.MapHub<PresenceHub>("/presence")));
        Assert.Equal("AddHubPresence() needs the in-memory lifetime manager (DefaultHubLifetimeManager); NoPresenceLifetimeManager`1 does not support it yet.", error.Message);
    }

    private static string[] Sorted(params string[] ids) => [.. ids.Order(StringComparer.Ordinal)];

    private static string Describe(HubPresenceEvent e) => $"{e.Kind} {e.ConnectionId} {e.UserId} {e.GroupName}";

    // Reads until every connection's disconnect (and its user's offline, if last) has arrived.
    private static async Task<List<HubPresenceEvent>> DrainAsync(ChannelReader<HubPresenceEvent> reader, int connections)
    {
        var events = new List<HubPresenceEvent>();
        var disconnected = 0;
        var online = new Dictionary<string, int>();
        while (disconnected < connections || online.Values.Any(n => n > 0))
        {
            var e = await reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout);
            events.Add(e);
            if (e.Kind == HubPresenceEventKind.ConnectionDisconnected)
            {
                disconnected++;
            }
            else if (e.Kind is HubPresenceEventKind.UserOnline or HubPresenceEventKind.UserOffline)
            {
                online[e.UserId!] = e.Kind == HubPresenceEventKind.UserOnline ? 1 : 0;
            }
        }

        return events;
    }
}

/// <summary>A lifetime manager of someone else's that knows nothing of presence.</summary>
public sealed class NoPresenceLifetimeManager<THub>(Microsoft.Extensions.Logging.ILogger<DefaultHubLifetimeManager<THub>> logger) : HubLifetimeManager<THub>
    where THub : Hub
{
    private readonly DefaultHubLifetimeManager<THub> _inner = new(logger);

    public override Task OnConnectedAsync(HubConnectionContext connection) => _inner.OnConnectedAsync(connection);

    public override Task OnDisconnectedAsync(HubConnectionContext connection) => _inner.OnDisconnectedAsync(connection);

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) => _inner.SendAllAsync(methodName, args, cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) => _inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) => _inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) => _inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) => _inner.SendGroupAsync(groupName, methodName, args, cancellationToken);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) => _inner.SendGroupsAsync(groupNames, methodName, args, cancellationToken);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) => _inner.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) => _inner.SendUserAsync(userId, methodName, args, cancellationToken);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) => _inner.SendUsersAsync(userIds, methodName, args, cancellationToken);

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) => _inner.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) => _inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
}
