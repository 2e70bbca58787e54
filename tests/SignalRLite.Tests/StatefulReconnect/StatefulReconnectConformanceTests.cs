using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Internal.Transports;
using SignalRLite.Tests.Transports;

namespace SignalRLite.Tests.StatefulReconnect;

/// <summary>PROTOCOL.md §21 and checklist C104–C113 over raw WebSockets with hand-written JSON frames.</summary>
[Trait("Category", "Integration")]
public class StatefulReconnectConformanceTests
{
    private static int Type(JsonElement m) => m.GetProperty("type").GetInt32();

    private static long SequenceId(JsonElement m) => m.GetProperty("sequenceId").GetInt64();

    [Theory]
    [InlineData("negotiateVersion=1&useStatefulReconnect=true", true, true)]
    [InlineData("negotiateVersion=1", true, false)]
    [InlineData("negotiateVersion=1&useStatefulReconnect=true", false, false)]
    [InlineData("negotiateVersion=0&useStatefulReconnect=true", true, true)] // as the official server (OfficialDifferentialTests)
    public async Task Negotiate_offers_it_only_when_asked_and_allowed(string query, bool allowed, bool offered)
    {
        await using var server = await StatefulReconnectServer.StartAsync(allowStatefulReconnects: allowed);
        using var negotiate = await RawStatefulClient.NegotiateAsync(server.Host.BaseAddress, query);
        Assert.Equal(offered, negotiate.RootElement.TryGetProperty("useStatefulReconnect", out var flag) && flag.GetBoolean());
    }

    [Fact]
    public async Task C104_handshake_version_1_gets_no_Ack_or_Sequence_and_cannot_reattach()
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        await using var client = await RawStatefulClient.ConnectAsync(server.Host.BaseAddress, version: 1);
        await client.InvokeAsync(null, "Receive", 1);
        await client.InvokeAsync("1", "SendNumbers", 2, 0);
        var types = new List<int>();
        JsonElement message;
        do
        {
            message = await client.ReceiveAsync(includeAcks: true);
            types.Add(Type(message));
        }
        while (Type(message) != 3);

        Assert.DoesNotContain(8, types);
        Assert.DoesNotContain(9, types);
        Assert.Equal([1, 1, 3], types);

        client.Abort();
        await server.State.DisconnectedSignal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The hub's OnDisconnectedAsync runs before the WebSocket request lets go of the connection; a socket that came in
        // between would get 409 (a socket is still attached). Once the connection is gone: 404.
        await TransportTestServer.WaitForConnectionCountAsync(server.Host.Services.GetRequiredService<HttpConnectionManager>(), 0);
        Assert.Equal(HttpStatusCode.NotFound, await client.ReconnectAsync());
    }

    [Fact]
    public async Task C105_C106_Ack_counts_trackable_messages_only()
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        await using var client = await RawStatefulClient.ConnectAsync(server.Host.BaseAddress);
        await client.SendRawAsync("{\"type\":6}");
        await client.SendRawAsync("{\"type\":8,\"sequenceId\":0}");
        await client.SendRawAsync("{\"type\":9,\"sequenceId\":1}");
        await client.InvokeAsync(null, "Receive", 1);
        await client.SendRawAsync("{\"type\":6}");
        await client.InvokeAsync(null, "Receive", 2);
        await client.InvokeAsync("1", "GetConnectionId");

        long lastAck = 0;
        var completed = false;
        while (!completed || lastAck < 3)
        {
            var message = await client.ReceiveAsync(includeAcks: true);
            if (Type(message) == 8)
            {
                lastAck = SequenceId(message);
                Assert.InRange(lastAck, 1, 3);
            }

            completed |= Type(message) == 3;
        }

        Assert.Equal(3, lastAck);
        Assert.Equal([1, 2], server.State.Received);
    }

    [Fact]
    public async Task C107_C108_reattach_keeps_the_connection_and_replays_unacknowledged_messages_after_a_Sequence()
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        await using var client = await RawStatefulClient.ConnectAsync(server.Host.BaseAddress);
        await client.InvokeAsync("1", "SendNumbers", 5, 0);
        for (var i = 1; i <= 5; i++)
        {
            var number = await client.ReceiveAsync();
            Assert.Equal(i, number.GetProperty("arguments")[0].GetInt32());
        }

        Assert.Equal("1", (await client.ReceiveAsync()).GetProperty("invocationId").GetString());
        await client.SendRawAsync("{\"type\":8,\"sequenceId\":3}");
        await client.InvokeAsync("2", "GetConnectionId");
        Assert.Equal(client.ConnectionId, (await client.ReceiveAsync()).GetProperty("result").GetString());

        client.Abort();
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await client.ReconnectAsync());

        // No handshake on the new socket: Sequence first, then messages 4..7 in their original order.
        var sequence = await client.ReceiveAsync();
        Assert.Equal(9, Type(sequence));
        Assert.Equal(4, SequenceId(sequence));
        Assert.Equal(4, (await client.ReceiveAsync()).GetProperty("arguments")[0].GetInt32());
        Assert.Equal(5, (await client.ReceiveAsync()).GetProperty("arguments")[0].GetInt32());
        Assert.Equal("1", (await client.ReceiveAsync()).GetProperty("invocationId").GetString());
        Assert.Equal("2", (await client.ReceiveAsync()).GetProperty("invocationId").GetString());

        await client.SendRawAsync("{\"type\":9,\"sequenceId\":3}");
        await client.InvokeAsync("3", "GetConnectionId");
        Assert.Equal(client.ConnectionId, (await client.ReceiveAsync()).GetProperty("result").GetString());
        Assert.Equal(1, server.State.Connected);
        Assert.Equal(0, server.State.Disconnected);
    }

    [Fact]
    public async Task C109_Sequence_is_sent_even_when_nothing_is_buffered()
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        await using var client = await RawStatefulClient.ConnectAsync(server.Host.BaseAddress);
        client.Abort();
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await client.ReconnectAsync());
        var sequence = await client.ReceiveAsync();
        Assert.Equal(9, Type(sequence));
        Assert.Equal(1, SequenceId(sequence));
    }

    [Fact]
    public async Task C110_replayed_client_messages_are_not_delivered_twice()
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        await using var client = await RawStatefulClient.ConnectAsync(server.Host.BaseAddress);
        for (var i = 1; i <= 3; i++)
        {
            await client.InvokeAsync(null, "Receive", i);
        }

        await server.State.WaitForReceivedAsync(3, TimeSpan.FromSeconds(10));
        client.Abort();
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await client.ReconnectAsync());
        await client.SendRawAsync("{\"type\":9,\"sequenceId\":2}");
        for (var i = 2; i <= 4; i++)
        {
            await client.InvokeAsync(null, "Receive", i);
        }

        await client.InvokeAsync("1", "GetConnectionId");
        while (Type(await client.ReceiveAsync()) != 3)
        {
        }

        Assert.Equal([1, 2, 3, 4], server.State.Received);
    }

    [Fact]
    public async Task C111_a_Sequence_past_the_next_expected_message_closes_with_an_error()
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        await using var client = await RawStatefulClient.ConnectAsync(server.Host.BaseAddress);
        await client.InvokeAsync(null, "Receive", 1);
        await server.State.WaitForReceivedAsync(1, TimeSpan.FromSeconds(10));
        client.Abort();
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await client.ReconnectAsync());
        await client.SendRawAsync("{\"type\":9,\"sequenceId\":5}");
        JsonElement message;
        do
        {
            message = await client.ReceiveAsync();
        }
        while (Type(message) != 7);

        Assert.True(message.TryGetProperty("error", out var error) && error.GetString()!.Length > 0);
        await server.State.DisconnectedSignal.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task C112_a_client_that_does_not_come_back_is_disconnected_after_the_timeout_and_its_buffer_freed()
    {
        await using var server = await StatefulReconnectServer.StartAsync(disconnectTimeout: TimeSpan.FromMilliseconds(500));
        await using var client = await RawStatefulClient.ConnectAsync(server.Host.BaseAddress);
        await client.InvokeAsync("1", "SendNumbers", 3, 10);
        while (Type(await client.ReceiveAsync()) != 3)
        {
        }

        var replay = server.State.Connections[client.ConnectionId].Replay!;
        Assert.Equal(4, replay.BufferedMessages);
        Assert.True(replay.BufferedBytes > 0);

        client.Abort();
        await server.State.DisconnectedSignal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, server.State.Disconnected);
        Assert.NotNull(server.State.DisconnectError);
        Assert.Equal(0, replay.BufferedBytes);
        Assert.Equal(0, replay.BufferedMessages);
        Assert.Equal(HttpStatusCode.NotFound, await client.ReconnectAsync());
    }

    [Fact]
    public async Task A_new_socket_replaces_a_stale_one_instead_of_409()
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        await using var client = await RawStatefulClient.ConnectAsync(server.Host.BaseAddress);
        var old = client.Socket;
        var (socket, status) = await client.OpenSecondAsync();
        using var replacement = socket;
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);

        // The old socket is aborted by the server: its next receive fails.
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var buffer = new byte[1024];
            while (true)
            {
                var result = await old.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException("closed");
                }
            }
        });
        Assert.Equal(1, server.State.Connected);
        Assert.Equal(0, server.State.Disconnected);
    }

    [Fact]
    public async Task C113_sends_wait_for_an_Ack_when_the_buffer_is_full()
    {
        const int Limit = 1000;
        await using var server = await StatefulReconnectServer.StartAsync(bufferSize: Limit);
        await using var client = await RawStatefulClient.ConnectAsync(server.Host.BaseAddress);
        await client.InvokeAsync("1", "SendNumbers", 30, 100);

        var received = new List<int>();
        var acked = 0;
        while (true)
        {
            JsonElement message;
            try
            {
                message = await client.ReceiveAsync(timeout: TimeSpan.FromMilliseconds(500));
            }
            catch (OperationCanceledException)
            {
                // The server stopped sending: everything unacknowledged fits the buffer, and the sender waits.
                var replay = server.State.Connections[client.ConnectionId].Replay!;
                Assert.InRange(replay.BufferedBytes, 1, Limit);
                Assert.Equal(received.Count, server.State.Sent);
                Assert.InRange(received.Count - acked, 5, 9);
                acked = received.Count;
                await client.SendRawAsync("{\"type\":8,\"sequenceId\":" + acked + "}");
                continue;
            }

            if (Type(message) == 3)
            {
                break;
            }

            received.Add(message.GetProperty("arguments")[0].GetInt32());
        }

        Assert.Equal(Enumerable.Range(1, 30), received);
        Assert.True(acked >= 18, $"acked {acked}");
    }
}
