using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Tests.Infrastructure;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Operations;

public sealed record DrainNodeName(string Name);

public sealed class StatefulDrainHub(DrainNodeName node) : Hub
{
    /// <summary>"server/connectionId".</summary>
    public string Where() => node.Name + "/" + Context.ConnectionId;

    public Task Ping(string text) => Clients.Caller.SendAsync("Pong", text);
}

/// <summary>
/// What a drain means for a client with stateful reconnect (<c>WithStatefulReconnect()</c>): its server ends the
/// connection with a Close, which stateful reconnect does not ride over (it covers transport drops, on the same server).
/// Two in-process servers behind <see cref="RoundRobinTcpProxy"/>; the proxy stops sending new connections to the
/// first before it drains, as a load balancer's readiness probe does.
/// </summary>
[Trait("Category", "Integration")]
public class StatefulReconnectDrainTests
{
    private static Task<HubAppHost> StartAsync(string name) => HubAppHost.StartAsync(
        HubHostKind.Kestrel,
        s =>
        {
            s.AddSingleton(new DrainNodeName(name));
            s.AddSignalRLite().AddGracefulDrain();
        },
        app => app.MapHub<StatefulDrainHub>("/hub", o => o.AllowStatefulReconnects = true));

    private static HubConnection Create(RoundRobinTcpProxy proxy, bool automaticReconnect)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(proxy.BaseAddress, "hub"), ClientTransport.WebSockets)
            .WithStatefulReconnect();
        if (automaticReconnect)
        {
            builder.WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(200)]);
        }

        builder.Services.AddLogging(l => l.ClearProviders());
        return builder.Build();
    }

    [Fact]
    public async Task The_drain_closes_a_stateful_connection_so_only_automatic_reconnect_brings_the_client_back_as_a_new_connection_on_another_server()
    {
        await using var a = await StartAsync("a");
        await using var b = await StartAsync("b");
        await using var proxy = new RoundRobinTcpProxy([a.BaseAddress]);
        await using var moving = Create(proxy, automaticReconnect: true);
        await using var ending = Create(proxy, automaticReconnect: false);
        var reconnecting = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pongs = System.Threading.Channels.Channel.CreateUnbounded<string>();
        moving.On<string>("Pong", p => pongs.Writer.TryWrite(p));
        moving.Reconnecting += e =>
        {
            reconnecting.TrySetResult(e);
            return Task.CompletedTask;
        };
        moving.Reconnected += id =>
        {
            reconnected.TrySetResult(id);
            return Task.CompletedTask;
        };
        ending.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };
        await moving.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        await ending.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        var before = await moving.InvokeAsync<string>("Where");
        Assert.StartsWith("a/", before, StringComparison.Ordinal);
        Assert.StartsWith("a/", await ending.InvokeAsync<string>("Where"), StringComparison.Ordinal);
        await moving.InvokeAsync("Ping", "before the drain");
        Assert.Equal("before the drain", await pongs.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));

        // The balancer takes a out of rotation, then a drains.
        proxy.SetBackends([b.BaseAddress]);
        await a.Services.GetRequiredService<IServerDrain>().DrainAsync().WaitAsync(TestConnection.DefaultTimeout);

        // The Close with allowReconnect ends the stateful connection: no silent resume, Reconnecting without an error...
        Assert.Null(await reconnecting.Task.WaitAsync(TestConnection.DefaultTimeout));
        // ...then a new connection (new id, nothing replayed, group memberships gone) on the other server.
        var newId = await reconnected.Task.WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal("b/" + newId, await moving.InvokeAsync<string>("Where"));
        Assert.NotEqual(before, "a/" + newId);
        await moving.InvokeAsync("Ping", "after the drain");
        Assert.Equal("after the drain", await pongs.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));
        Assert.False(pongs.Reader.TryRead(out var extra), $"unexpected {extra}");

        // Without automatic reconnect, stateful reconnect alone does not come back: the client is closed, without error.
        Assert.Null(await closed.Task.WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal(HubConnectionState.Disconnected, ending.State);
    }
}
