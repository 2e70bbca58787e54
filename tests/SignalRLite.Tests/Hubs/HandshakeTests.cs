using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Protocol;
using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;

namespace SignalRLite.Tests.Hubs;

public class HandshakeTests
{
    [Fact]
    public async Task C42_JsonHandshakeIsAnsweredWithEmptyObjectBeforeAnythingElse()
    {
        await using var server = Create<TestHub>();
        var connection = new TestConnection();
        await server.ConnectAsync(handshake: false, connection: connection);
        await connection.SendAsync(InMemoryHubServer<TestHub>.JsonHandshake + Invocation("1", "Echo", "x"));

        var raw = await connection.ReadMessageAsync();
        Assert.Equal("{}", raw);
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal("x", completion.GetProperty("result").GetString());
        Assert.Equal(TransferFormat.Text, connection.ActiveFormat);
    }

    [Fact]
    public async Task C44_UnknownProtocolGetsErrorThenClose()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync(handshake: false);
        await connection.SendAsync("{\"protocol\":\"xml\",\"version\":1}\u001e");

        var response = await connection.ReadJsonAsync();
        Assert.Equal("The protocol 'xml' is not supported.", response.GetProperty("error").GetString());
        Assert.Null(await connection.ReadMessageAsync());
        await connection.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(0, server.Probe().ConnectedCount);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(99)]
    public async Task C45_UnsupportedVersionGetsErrorThenClose(int version)
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync(handshake: false);
        await connection.SendAsync($"{{\"protocol\":\"json\",\"version\":{version}}}\u001e");

        var response = await connection.ReadJsonAsync();
        Assert.Equal($"The server does not support version {version} of the 'json' protocol.", response.GetProperty("error").GetString());
        Assert.Null(await connection.ReadMessageAsync());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task C46_VersionsUpTo2AreAccepted(int version)
    {
        // As the official server (observed): every version up to 2, 0 and negative ones included.
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync(handshake: false);
        await connection.SendAsync($"{{\"protocol\":\"json\",\"version\":{version}}}\u001e");
        Assert.Equal("{}", await connection.ReadMessageAsync());
        await connection.SendAsync(Invocation("1", "Echo", "v" + version));
        Assert.Equal("v" + version, (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Theory]
    [InlineData("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"x\"]}\u001e")]
    [InlineData("garbage\u001e")]
    [InlineData("{\"protocol\":\"json\"}\u001e")]
    public async Task C47_FirstMessageThatIsNotAHandshakeClosesWithoutRunningHubCode(string first)
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync(handshake: false);
        await connection.SendAsync(first);

        var response = await connection.ReadJsonAsync();
        Assert.Equal("An unexpected error occurred during connection handshake.", response.GetProperty("error").GetString());
        Assert.Null(await connection.ReadMessageAsync());
        await connection.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(0, server.Probe().ConnectedCount);
    }

    [Fact]
    public async Task C48_NoHandshakeWithinTimeoutCloses()
    {
        // Fake time: the test moves the clock past the deadline once the handler has joined the heartbeat.
        await using var server = FakeTimeHubServer.Create(o => o.HandshakeTimeout = TimeSpan.FromSeconds(15));
        var connection = await server.Server.ConnectAsync(handshake: false);
        await WaitForHeartbeatAsync(server);

        server.Advance(TimeSpan.FromSeconds(15));
        var response = await connection.ReadJsonAsync();
        Assert.Equal("Handshake was canceled.", response.GetProperty("error").GetString());
        Assert.Null(await connection.ReadMessageAsync());
        await connection.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
    }

    [Fact]
    public async Task C48_PartialHandshakeDoesNotExtendTheTimeout()
    {
        // Fake time: part of the handshake arrives 14 s in; the deadline stays at 15 s from the start.
        await using var server = FakeTimeHubServer.Create(o => o.HandshakeTimeout = TimeSpan.FromSeconds(15));
        var connection = await server.Server.ConnectAsync(handshake: false);
        await WaitForHeartbeatAsync(server);
        server.Advance(TimeSpan.FromSeconds(14));
        await connection.SendAsync("{\"protocol\":");

        server.Advance(TimeSpan.FromSeconds(1));
        var response = await connection.ReadJsonAsync();
        Assert.Equal("Handshake was canceled.", response.GetProperty("error").GetString());
    }

    /// <summary>
    /// The handshake deadline is set when the handler starts, just before it joins the heartbeat; the heartbeat's count
    /// raises no event: polled.
    /// </summary>
    private static Task WaitForHeartbeatAsync(FakeTimeHubServer server) =>
        TestWaits.UntilAsync(() => server.Heartbeat.ConnectionCount == 1, "the handler never joined the heartbeat");

    [Fact]
    public async Task C49_SplitHandshakeIsAssembled()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync(handshake: false);
        await connection.SendAsync("{\"protocol\":\"js");
        await connection.SendAsync("on\",\"version\":1}");
        await connection.SendAsync("\u001e");
        Assert.Equal("{}", await connection.ReadMessageAsync());
    }

    [Fact]
    public async Task C50_MessagesAfterTheHandshakeInTheSameUnitAreProcessed()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync(handshake: false);
        await connection.SendAsync(InMemoryHubServer<TestHub>.JsonHandshake + Invocation("1", "Echo", "a") + Invocation("2", "Echo", "b"));

        Assert.Equal("{}", await connection.ReadMessageAsync());
        Assert.Equal("a", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
        Assert.Equal("b", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task OversizedHandshakeIsRefused()
    {
        await using var server = Create<TestHub>(o => o.MaximumReceiveMessageSize = 100);
        var connection = await server.ConnectAsync(handshake: false);
        await connection.SendAsync("{\"protocol\":\"json\",\"version\":1,\"x\":\"" + new string('a', 200));

        var response = await connection.ReadJsonAsync();
        Assert.True(response.TryGetProperty("error", out _));
        Assert.Null(await connection.ReadMessageAsync());
    }

    [Fact]
    public async Task ProtocolNotInSupportedProtocolsIsRefused()
    {
        await using var server = Create<TestHub>(o => o.SupportedProtocols = ["other"]);
        var connection = await server.ConnectAsync(handshake: false);
        await connection.SendAsync(InMemoryHubServer<TestHub>.JsonHandshake);

        var response = await connection.ReadJsonAsync();
        Assert.Equal("The protocol 'json' is not supported.", response.GetProperty("error").GetString());
    }

    [Fact]
    public async Task BinaryProtocolOnTextOnlyTransportIsRefused()
    {
        await using var server = Create<TestHub>(services: s => s.AddSingleton<IHubProtocol, FakeBinaryProtocol>());
        var connection = new TestConnection(TransferFormat.Text);
        await server.ConnectAsync(handshake: false, connection: connection);
        await connection.SendAsync("{\"protocol\":\"fakebinary\",\"version\":1}\u001e");

        var response = await connection.ReadJsonAsync();
        Assert.Equal(
            "Cannot use the 'fakebinary' protocol on the current transport. The transport does not support the 'Binary' transfer format.",
            response.GetProperty("error").GetString());
    }

    [Fact]
    public async Task BinaryProtocolSetsTheActiveFormat()
    {
        await using var server = Create<TestHub>(services: s => s.AddSingleton<IHubProtocol, FakeBinaryProtocol>());
        var connection = new TestConnection();
        await server.ConnectAsync(handshake: false, connection: connection);
        await connection.SendAsync("{\"protocol\":\"fakebinary\",\"version\":1}\u001e");

        Assert.Equal("{}", await connection.ReadMessageAsync());
        Assert.Equal(TransferFormat.Binary, connection.ActiveFormat);
    }

    private sealed class FakeBinaryProtocol : IHubProtocol
    {
        public string Name => "fakebinary";

        public int Version => 1;

        public TransferFormat TransferFormat => TransferFormat.Binary;

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, out HubMessage? message)
        {
            message = null;
            return false;
        }

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
        {
        }

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => new byte[] { 0 };

        public bool IsVersionSupported(int version) => version == 1;
    }
}
