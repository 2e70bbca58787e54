using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.Internal.Connections;
using SignalRLite.Internal.Hubs;
using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;

namespace SignalRLite.Tests.Hubs;

/// <summary>A hub server whose heartbeat and connections run on a <see cref="FakeTimeProvider"/>.</summary>
internal sealed class FakeTimeHubServer : IAsyncDisposable
{
    private FakeTimeHubServer(InMemoryHubServer<TestHub> server, FakeTimeProvider time)
    {
        Server = server;
        Time = time;
    }

    public InMemoryHubServer<TestHub> Server { get; }

    public FakeTimeProvider Time { get; }

    public HubConnectionHeartbeat Heartbeat => Server.Services.GetRequiredService<HubConnectionHeartbeat>();

    public static FakeTimeHubServer Create(Action<HubOptions>? configure = null)
    {
        var time = new FakeTimeProvider();
        return new FakeTimeHubServer(HubTestServer.Create<TestHub>(configure, s => s.AddSingleton<TimeProvider>(time)), time);
    }

    /// <summary>Connects, and proves with an Echo that the handshake is complete (the read loop runs), so that fake time starts now.</summary>
    public async Task<TestConnection> ConnectRunningAsync(TestConnection? connection = null)
    {
        var client = await Server.ConnectAsync(connection: connection);
        Assert.Equal("ready", await EchoAsync(client, "ready"));
        return client;
    }

    public static async Task<string?> EchoAsync(TestConnection client, string text)
    {
        await client.SendAsync(Invocation("echo", "Echo", text));
        return (await client.ReadNonPingAsync()).GetProperty("result").GetString();
    }

    /// <summary>Moves time forward one heartbeat period at a time, so that every tick on the way runs (synchronously, here).</summary>
    public void Advance(TimeSpan by)
    {
        var step = Heartbeat.Period;
        while (by > TimeSpan.Zero)
        {
            var next = by < step ? by : step;
            Time.Advance(next);
            by -= next;
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>Keep-alive, client timeout, handshake timeout and authentication expiry through the hub handler, on fake time.</summary>
public class LivenessEndToEndTests
{
    private const string Ping = "{\"type\":6}";

    [Fact]
    public async Task KeepAlivePingIsSentAfterTheIntervalOfSilenceAndNotBefore()
    {
        await using var server = FakeTimeHubServer.Create(o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(10);
            o.ClientTimeoutInterval = TimeSpan.FromMinutes(10);
        });
        var client = await server.ConnectRunningAsync();

        // A ping is written synchronously by the tick: had one been due, it would come before the Echo's Completion.
        server.Advance(TimeSpan.FromSeconds(9));
        await client.SendAsync(Invocation("early", "Echo", "early"));
        Assert.Equal("early", (await client.ReadJsonAsync()).GetProperty("result").GetString());

        server.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(Ping, await client.ReadMessageAsync());
        server.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(Ping, await client.ReadMessageAsync());
    }

    [Fact]
    public async Task ClientTimeoutClosesWithTheOfficialErrorAndAllowsReconnect()
    {
        await using var server = FakeTimeHubServer.Create(o => o.ClientTimeoutInterval = TimeSpan.FromSeconds(30));
        var probe = server.Server.Probe();
        var client = await server.ConnectRunningAsync();
        await client.SendAsync("{\"type\":6}\u001e"); // the first Ping arms the client timeout, as on the official server

        server.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("still here", await FakeTimeHubServer.EchoAsync(client, "still here"));
        server.Advance(TimeSpan.FromSeconds(31));

        var messages = await client.ReadUntilClosedAsync();
        var close = JsonDocument.Parse(Assert.Single(messages)).RootElement;
        Assert.Equal(7, close.GetProperty("type").GetInt32());
        Assert.Equal("Connection closed with an error.", close.GetProperty("error").GetString());
        Assert.True(close.GetProperty("allowReconnect").GetBoolean());
        Assert.IsType<TimeoutException>(await probe.Disconnected.WaitAsync());
    }

    [Fact]
    public async Task HandshakeTimeoutAnswersHandshakeWasCanceled()
    {
        await using var server = FakeTimeHubServer.Create(o => o.HandshakeTimeout = TimeSpan.FromSeconds(15));
        var client = await server.Server.ConnectAsync(handshake: false);
        // The deadline is set when the handler starts, just before it joins the heartbeat: wait for that event.
        // (The heartbeat's count raises no event: polled.)
        await TestWaits.UntilAsync(() => server.Heartbeat.ConnectionCount == 1, "the handler never joined the heartbeat");

        server.Advance(TimeSpan.FromSeconds(15));
        var response = await client.ReadJsonAsync();
        Assert.Equal("Handshake was canceled.", response.GetProperty("error").GetString());
        Assert.Null(await client.ReadMessageAsync());
        await client.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
    }

    [Fact]
    public async Task AuthenticationExpiryClosesWithoutErrorAndAllowsReconnect()
    {
        await using var server = FakeTimeHubServer.Create();
        var connection = new TestConnection();
        connection.Features.Set<IAuthenticationExpirationFeature>(new Expiry(server.Time.GetUtcNow() + TimeSpan.FromSeconds(20)));
        var client = await server.ConnectRunningAsync(connection);

        server.Advance(TimeSpan.FromSeconds(19));
        Assert.Equal("valid", await FakeTimeHubServer.EchoAsync(client, "valid"));
        server.Advance(TimeSpan.FromSeconds(1));

        var messages = await client.ReadUntilClosedAsync();
        Assert.Equal("{\"type\":7,\"allowReconnect\":true}", Assert.Single(messages));
    }

    private sealed record Expiry(DateTimeOffset? ExpiresUtc) : IAuthenticationExpirationFeature
    {
        public bool CloseOnExpiration => true;
    }
}
