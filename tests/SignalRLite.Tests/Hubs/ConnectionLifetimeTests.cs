using System.Text.Json;
using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;

namespace SignalRLite.Tests.Hubs;

public class ConnectionLifetimeTests
{
    private static void AssertClose(JsonElement message, string? error, bool allowReconnect = false)
    {
        Assert.Equal(7, message.GetProperty("type").GetInt32());
        if (error is null)
        {
            Assert.False(message.TryGetProperty("error", out _));
        }
        else
        {
            Assert.Equal(error, message.GetProperty("error").GetString());
        }

        Assert.Equal(allowReconnect, message.TryGetProperty("allowReconnect", out var r) && r.GetBoolean());
    }

    [Fact]
    public async Task C84_PingIsSentWhenNothingElseWasSent()
    {
        // Fake time: a ping is written synchronously by the heartbeat tick that the test's Advance runs.
        await using var server = FakeTimeHubServer.Create(o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(10);
            o.ClientTimeoutInterval = TimeSpan.FromHours(1);
        });
        var connection = await server.ConnectRunningAsync();
        server.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("{\"type\":6}", await connection.ReadMessageAsync());
        server.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("{\"type\":6}", await connection.ReadMessageAsync());
    }

    [Fact]
    public async Task C85_NoPingWhileOtherMessagesFlow()
    {
        await using var server = FakeTimeHubServer.Create(o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(10);
            o.ClientTimeoutInterval = TimeSpan.FromHours(1);
        });
        var connection = await server.ConnectRunningAsync();
        for (var i = 0; i < 20; i++)
        {
            // Every 9 s something is sent: the connection is never silent for a whole interval.
            server.Advance(TimeSpan.FromSeconds(9));
            await server.Server.HubContext.Clients.All.SendAsync("Tick", i);
            Assert.Equal("Tick", (await connection.ReadJsonAsync()).GetProperty("target").GetString());
        }
    }

    [Fact]
    public async Task NoPingOnTransportsWithInherentKeepAlive()
    {
        await using var server = FakeTimeHubServer.Create(o => o.KeepAliveInterval = TimeSpan.FromSeconds(10));
        var connection = await server.ConnectRunningAsync(new TestConnection { HasInherentKeepAlive = true });
        server.Advance(TimeSpan.FromMinutes(2));
        // A ping would have been written by a tick, before this Completion.
        await connection.SendAsync(Invocation("1", "Echo", "first"));
        Assert.Equal("first", (await connection.ReadJsonAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task NoClientTimeoutOnTransportsWithInherentKeepAlive()
    {
        // Long Polling: the official JS client sends no Ping there and the official server does not time it out. A
        // connection without inherent keep-alive on the same server, silent as well, is closed by the client timeout:
        // that event proves the interval has passed for both (the heartbeat checks every connection on each tick).
        // Fake time: the test moves the clock past the interval.
        await using var server = FakeTimeHubServer.Create(o => o.ClientTimeoutInterval = TimeSpan.FromSeconds(30));
        var polling = await server.ConnectRunningAsync(new TestConnection { HasInherentKeepAlive = true });
        var control = await server.ConnectRunningAsync();
        await control.SendAsync("{\"type\":6}\u001e"); // the first Ping arms the client timeout, as on the official server
        Assert.Equal("armed", await FakeTimeHubServer.EchoAsync(control, "armed")); // the Ping was read before time moves
        server.Advance(TimeSpan.FromSeconds(31));
        var messages = await control.ReadUntilClosedAsync();
        AssertClose(JsonDocument.Parse(Assert.Single(messages)).RootElement, "Connection closed with an error.", allowReconnect: true);

        await polling.SendAsync(Invocation("1", "Echo", "still here"));
        Assert.Equal("still here", (await polling.ReadJsonAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task C86_ClientTimeoutClosesWithErrorAndAllowsReconnect()
    {
        // Fake time: the test moves the clock past the interval.
        await using var server = FakeTimeHubServer.Create(o => o.ClientTimeoutInterval = TimeSpan.FromSeconds(30));
        var probe = server.Server.Probe();
        var connection = await server.ConnectRunningAsync();
        await connection.SendAsync("{\"type\":6}\u001e"); // the first Ping arms the client timeout, as on the official server
        Assert.Equal("armed", await FakeTimeHubServer.EchoAsync(connection, "armed")); // the Ping was read before time moves
        server.Advance(TimeSpan.FromSeconds(31));
        var messages = await connection.ReadUntilClosedAsync();
        AssertClose(JsonDocument.Parse(Assert.Single(messages)).RootElement, "Connection closed with an error.", allowReconnect: true);
        Assert.IsType<TimeoutException>(await probe.Disconnected.WaitAsync());
    }

    [Fact]
    public async Task C87_AnyIncomingMessageResetsTheClientTimeout()
    {
        await using var server = FakeTimeHubServer.Create(o => o.ClientTimeoutInterval = TimeSpan.FromSeconds(30));
        var connection = await server.ConnectRunningAsync();
        await connection.SendAsync("{\"type\":6}\u001e"); // arms the client timeout
        for (var i = 0; i < 6; i++)
        {
            // 2 minutes in all, four times the interval, with a message every 20 s; the Echo proves it was read before time moves on.
            server.Advance(TimeSpan.FromSeconds(20));
            Assert.Equal("keep", await FakeTimeHubServer.EchoAsync(connection, "keep"));
        }

        Assert.Equal("alive", await FakeTimeHubServer.EchoAsync(connection, "alive"));
    }

    [Fact]
    public async Task C88_IncomingPingGetsNoReply()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":6}\u001e{\"type\":6}\u001e" + Invocation("1", "Echo", "next"));
        var next = await connection.ReadJsonAsync();
        Assert.Equal("next", next.GetProperty("result").GetString());
    }

    [Fact]
    public async Task C89_MalformedJsonClosesWithError()
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":1,\"invocationId\":\u001e");
        var messages = await connection.ReadUntilClosedAsync();
        // As the official server (observed): a protocol error invites a reconnect.
        AssertClose(JsonDocument.Parse(Assert.Single(messages)).RootElement, "Connection closed with an error.", allowReconnect: true);
        Assert.IsType<InvalidDataException>(await probe.Disconnected.WaitAsync());
    }

    [Fact]
    public async Task C89_DetailedErrorsExplainTheProtocolError()
    {
        await using var server = Create<TestHub>(o => o.EnableDetailedErrors = true);
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":1,\"invocationId\":\"1\",\"arguments\":[]}\u001e");
        var close = await connection.ReadNonPingAsync();
        Assert.StartsWith("Connection closed with an error. InvalidDataException: ", close.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task C90_OversizedMessageClosesWithError(bool terminated, bool detailed)
    {
        await using var server = Create<TestHub>(o =>
        {
            o.MaximumReceiveMessageSize = 100;
            o.EnableDetailedErrors = detailed;
        });
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation("1", "Echo", "small"));
        Assert.Equal("small", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());

        var big = Invocation("2", "Echo", new string('a', 200));
        await connection.SendAsync(terminated ? big : big[..150]);
        var messages = await connection.ReadUntilClosedAsync();
        // As the official server (observed): the limit is named with detailed errors only; a reconnect is invited.
        AssertClose(
            JsonDocument.Parse(Assert.Single(messages)).RootElement,
            detailed
                ? "Connection closed with an error. InvalidDataException: The maximum message size of 100B was exceeded. The message size can be configured in AddHubOptions."
                : "Connection closed with an error.",
            allowReconnect: true);
    }

    [Fact]
    public async Task MessageOfExactlyTheMaximumSizeIsAccepted()
    {
        var message = Invocation("1", "Echo", "x");
        await using var server = Create<TestHub>(o => o.MaximumReceiveMessageSize = System.Text.Encoding.UTF8.GetByteCount(message));
        var connection = await server.ConnectAsync();
        await connection.SendAsync(message + message.Replace("\"1\"", "\"2\""));
        Assert.Equal("1", (await connection.ReadNonPingAsync()).GetProperty("invocationId").GetString());
        Assert.Equal("2", (await connection.ReadNonPingAsync()).GetProperty("invocationId").GetString());
    }

    [Fact]
    public async Task C91_ClientCloseEndsGracefully()
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":7}\u001e");
        var messages = await connection.ReadUntilClosedAsync();
        AssertClose(JsonDocument.Parse(Assert.Single(messages)).RootElement, null);
        Assert.Null(await probe.Disconnected.WaitAsync());
        await connection.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(1, probe.ConnectedCount);
        Assert.Equal(1, probe.DisconnectedCount);
    }

    [Fact]
    public async Task TransportEndCallsOnDisconnectedOnceWithoutError()
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        connection.CompleteInput();
        Assert.Null(await probe.Disconnected.WaitAsync());
        await connection.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(1, probe.DisconnectedCount);
    }

    [Fact]
    public async Task AbruptTransportLossReportsTheError()
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        connection.CompleteInput(new IOException("gone"));
        Assert.IsType<IOException>(await probe.Disconnected.WaitAsync());
    }

    [Fact]
    public async Task C92_FailingConnectedCallbackClosesWithErrorAndRunsNoInvocation()
    {
        await using var server = Create<FailingConnectHub>();
        var probe = server.Probe();
        var connection = new TestConnection();
        await server.ConnectAsync(handshake: false, connection: connection);
        await connection.SendAsync(InMemoryHubServer<FailingConnectHub>.JsonHandshake + Invocation("1", "Echo", "x"));
        Assert.Equal("{}", await connection.ReadMessageAsync());
        var messages = await connection.ReadUntilClosedAsync();
        AssertClose(JsonDocument.Parse(Assert.Single(messages)).RootElement, "Connection closed with an error.");
        await connection.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
        Assert.DoesNotContain("echo", probe.Events);

        // As with the official server (observed black-box), the disconnected callback does not run.
        Assert.False(probe.Disconnected.Task.IsCompleted);
    }

    [Fact]
    public async Task C93_UnknownMessageTypeIsSkipped()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":99,\"whatever\":[1,2]}\u001e" + Invocation("1", "Echo", "after"));
        Assert.Equal("after", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task C94_StreamInvocationWithoutIdCloses()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":4,\"target\":\"Counter\",\"arguments\":[2]}\u001e");
        var messages = await connection.ReadUntilClosedAsync();
        AssertClose(JsonDocument.Parse(Assert.Single(messages)).RootElement, "Connection closed with an error.", allowReconnect: true);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    public async Task AbortFromHubSendsCloseWithoutErrorAndNoCompletion(string? id)
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation(id, "Abort"));
        // As the official server (observed): {"type":7} only; the aborting invocation gets no Completion.
        var messages = await connection.ReadUntilClosedAsync();
        AssertClose(JsonDocument.Parse(Assert.Single(messages)).RootElement, null);
        Assert.Null(await probe.Disconnected.WaitAsync());
    }

    [Fact]
    public async Task OnlyTheOffendingConnectionCloses()
    {
        await using var server = Create<TestHub>();
        var bad = await server.ConnectAsync();
        var good = await server.ConnectAsync();
        await bad.SendAsync("not json at all\u001e");
        await bad.ReadUntilClosedAsync();
        await good.SendAsync(Invocation("1", "Echo", "still here"));
        Assert.Equal("still here", (await good.ReadNonPingAsync()).GetProperty("result").GetString());
    }
}
