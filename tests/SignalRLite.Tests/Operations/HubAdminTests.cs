using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Operations;

public sealed class AdminHub : Hub
{
    public string Id() => Context.ConnectionId;

    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);
}

[Trait("Category", "Integration")]
public class HubAdminTests
{
    private static Task<HubAppHost> StartAsync() => HubAppHost.StartAsync(
        HubHostKind.Kestrel,
        s => s.AddSignalRLite().AddHubPresence(),
        app => app.MapHub<AdminHub>("/admin"));

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

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task Closing_a_user_reaches_each_of_their_connections_with_the_reason_and_no_reconnect(ClientTransport transport)
    {
        await using var host = await StartAsync();
        var admin = host.Services.GetRequiredService<IHubAdmin<AdminHub>>();
        // Automatic reconnect is on: allowReconnect false keeps the client from coming back.
        var alice1 = await host.ConnectAsync("/admin", transport, user: "alice", configure: b => b.WithAutomaticReconnect());
        var alice2 = await host.ConnectAsync("/admin", transport, user: "alice");
        var bob = await host.ConnectAsync("/admin", transport, user: "bob");
        var closed1 = WatchClosed(alice1);
        var closed2 = WatchClosed(alice2);

        Assert.Equal(2, await admin.CloseUserAsync("alice", "Your account was suspended."));

        var error = await closed1.Task.WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal("The server closed the connection with the following error: Your account was suspended.", error?.Message);
        Assert.NotNull(await closed2.Task.WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal(HubConnectionState.Disconnected, alice1.State);
        Assert.False(string.IsNullOrEmpty(await bob.InvokeAsync<string>("Id")));
        Assert.Equal(0, await admin.CloseUserAsync("alice"));
    }

    [Fact]
    public async Task Closing_a_group_or_a_connection_counts_what_it_reached_and_allowReconnect_brings_the_client_back()
    {
        await using var host = await StartAsync();
        var admin = host.Services.GetRequiredService<IHubAdmin<AdminHub>>();
        var member = await host.ConnectAsync("/admin", user: "m", configure: b => b.WithAutomaticReconnect([TimeSpan.Zero]));
        var other = await host.ConnectAsync("/admin", user: "o");
        await member.InvokeAsync("Join", "room");
        var reconnected = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        member.Reconnected += id =>
        {
            reconnected.TrySetResult(id);
            return Task.CompletedTask;
        };

        Assert.Equal(1, await admin.CloseGroupAsync("room", reason: null, allowReconnect: true));
        var newId = await reconnected.Task.WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(newId, await member.InvokeAsync<string>("Id"));

        var otherId = await other.InvokeAsync<string>("Id");
        var closed = WatchClosed(other);
        Assert.Equal(1, await admin.CloseConnectionAsync(otherId));
        Assert.Null(await closed.Task.WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal(0, await admin.CloseConnectionAsync("no-such-connection"));
    }

    [Fact]
    public async Task Group_removals_count_the_connections_and_groups_they_changed()
    {
        await using var host = await StartAsync();
        var admin = host.Services.GetRequiredService<IHubAdmin<AdminHub>>();
        var presence = host.Services.GetRequiredService<IHubPresence<AdminHub>>();
        var a1 = await host.ConnectAsync("/admin", user: "alice");
        var a2 = await host.ConnectAsync("/admin", user: "alice");
        await a1.InvokeAsync("Join", "room");
        await a2.InvokeAsync("Join", "room");
        await a1.InvokeAsync("Join", "lobby");

        Assert.Equal(2, await admin.RemoveUserConnectionsFromGroupAsync("alice", "room"));
        Assert.Equal(0, await presence.GetGroupConnectionCountAsync("room"));
        Assert.Equal(1, await admin.RemoveConnectionFromAllGroupsAsync(await a1.InvokeAsync<string>("Id")));
        Assert.Equal(0, await presence.GetGroupConnectionCountAsync("lobby"));
    }
}
