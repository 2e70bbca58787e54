using Microsoft.AspNetCore.SignalR.Client;

namespace SignalRLite.Tests.StatefulReconnect;

/// <summary>
/// The official .NET client with <c>WithStatefulReconnect()</c> over WebSockets, through a TCP proxy that resets every
/// connection several times while messages flow: nothing may be lost, duplicated or reordered, and the logical connection
/// (id, groups, Items, user) survives.
/// </summary>
/// <summary>Socket-drop tests run alone: on a loaded 2-core machine, parallel tests starve the proxy and the client's reconnect.</summary>
[CollectionDefinition(nameof(OfficialClientStatefulReconnectTests), DisableParallelization = true)]
public sealed class OfficialClientStatefulReconnectCollection
{
}

[Collection(nameof(OfficialClientStatefulReconnectTests))]
[Trait("Category", "Integration")]
public class OfficialClientStatefulReconnectTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const int Count = 10_000;

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task Server_to_client_messages_arrive_exactly_once_in_order_across_socket_drops(string protocol)
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        var client = server.CreateClient(protocol);
        var received = new List<int>(Count);
        var milestones = new[] { 1000, 3000, 5000, 7000, 9000 }.ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On<int, string>("Number", (n, _) =>
        {
            lock (received)
            {
                received.Add(n);
                if (milestones.TryGetValue(received.Count, out var m))
                {
                    m.TrySetResult();
                }

                if (received.Count == Count)
                {
                    done.TrySetResult();
                }
            }
        });
        var closed = false;
        Exception? closeError = null;
        client.Closed += e =>
        {
            closeError = e;
            closed = true;
            return Task.CompletedTask;
        };
        await client.StartAsync().WaitAsync(Timeout);
        var connectionId = await client.InvokeAsync<string>("GetConnectionId").WaitAsync(Timeout);

        var sending = client.InvokeAsync("SendNumbers", Count, 40);
        var drops = 0;
        foreach (var milestone in milestones.Values)
        {
            await milestone.Task.WaitAsync(Timeout).ContinueWith(t =>
            {
                if (t.IsFaulted)
                {
                    var replay = server.State.Connections.Values.Single().Replay!;
                    throw new TimeoutException($"received {received.Count}, sent {server.State.Sent}, buffered {replay.BufferedMessages} ({replay.BufferedBytes} bytes), proxy connections {server.Proxy.Connections}, client {client.State} {closeError}, server {server.State.DisconnectError}");
                }
            });
            drops += await server.Proxy.DropAllBetweenMessages() > 0 ? 1 : 0;
        }

        await done.Task.WaitAsync(Timeout);
        await sending.WaitAsync(Timeout);

        lock (received)
        {
            Assert.Equal(Enumerable.Range(1, Count), received);
        }

        Assert.True(drops >= 3, $"only {drops} drops hit a live connection");
        Assert.True(server.Proxy.Connections > 1 + 2, $"the client reconnected {server.Proxy.Connections - 1} times");
        Assert.Equal(connectionId, await client.InvokeAsync<string>("GetConnectionId").WaitAsync(Timeout));
        Assert.Equal(1, server.State.Connected);
        Assert.Equal(0, server.State.Disconnected);
        Assert.False(closed);
        await client.DisposeAsync();
    }

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task Client_to_server_messages_arrive_exactly_once_in_order_across_socket_drops(string protocol)
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        var client = server.CreateClient(protocol);
        await client.StartAsync().WaitAsync(Timeout);

        // The official .NET client resends the tail of a message that a reset cut in half (it does so against the official
        // server too), so the socket is cut while the client is between messages: after a batch has been sent and
        // processed. The server's Ack for that batch may or may not have reached the client, so the client may replay
        // messages the server already processed; they must be dropped as duplicates.
        var drops = 0;
        var sending = Task.Run(async () =>
        {
            for (var i = 1; i <= Count; i++)
            {
                await client.SendAsync("Receive", i);
                if (i % 1000 == 0 && i / 1000 % 2 == 1)
                {
                    await server.State.WaitForReceivedAsync(i, Timeout);
                    drops += await server.Proxy.DropAllBetweenMessages() > 0 ? 1 : 0;
                }
            }
        });

        await sending.WaitAsync(Timeout);
        await server.State.WaitForReceivedAsync(Count, Timeout);
        // A round trip after the last send: anything still in flight has been processed (or would be a duplicate).
        await client.InvokeAsync<string>("GetConnectionId").WaitAsync(Timeout);

        Assert.Equal(Enumerable.Range(1, Count), server.State.Received);
        Assert.True(drops >= 3, $"only {drops} drops hit a live connection");
        Assert.Equal(1, server.State.Connected);
        Assert.Equal(0, server.State.Disconnected);
        await client.DisposeAsync();
    }

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task Connection_id_groups_items_user_and_streams_survive_a_drop(string protocol)
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        var client = server.CreateClient(protocol);
        var numbers = System.Threading.Channels.Channel.CreateUnbounded<int>();
        client.On<int, string>("Number", (n, _) => numbers.Writer.TryWrite(n));
        await client.StartAsync().WaitAsync(Timeout);
        var connectionId = await client.InvokeAsync<string>("GetConnectionId").WaitAsync(Timeout);
        await client.InvokeAsync("Join", "g").WaitAsync(Timeout);

        // A server-to-client stream running across the drop: the hub pauses after 1,000 items until the drop is done,
        // so the drop always falls inside the stream. (Without the pause the server sometimes sent all 2,000 items
        // and the stream's Completion before the drop; the official client 10.0.15 then ignores the first messages
        // after the replay, against the official server too: 6 of 12 runs, see docs/transports.md.)
        var stream = client.StreamAsync<int>("PausingCounter", 2000, 1000);
        var streamed = new List<int>();
        await using (var enumerator = stream.GetAsyncEnumerator())
        {
            while (streamed.Count < 1000 && await enumerator.MoveNextAsync())
            {
                streamed.Add(enumerator.Current);
            }

            Assert.True(await server.Proxy.DropAllBetweenMessages() >= 1);
            server.State.StreamGate.TrySetResult();
            while (await enumerator.MoveNextAsync())
            {
                streamed.Add(enumerator.Current);
            }
        }

        Assert.Equal(Enumerable.Range(1, 2000), streamed);

        try
        {
            await client.InvokeAsync("SendToGroup", "g", 42).WaitAsync(Timeout);
        }
        catch (TimeoutException ex)
        {
            // A rare failure (seen about once in ten runs, also before the hub-layer changes of 2026-12-07): the
            // server's stateful-reconnect counters say which side stopped.
            var replay = string.Join("; ", server.State.Connections.Values.Select(c => c.Replay?.ToString() ?? "no replay"));
            throw new TimeoutException($"SendToGroup did not complete; server replay state: {replay}; proxy ({server.Proxy.Connections} TCP connections so far): {server.Proxy.Describe()}", ex);
        }
        Assert.Equal(42, await numbers.Reader.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal(connectionId, await client.InvokeAsync<string>("GetConnectionId").WaitAsync(Timeout));
        Assert.Equal(connectionId, await client.InvokeAsync<string>("GetItem").WaitAsync(Timeout));
        Assert.True(server.Proxy.Connections >= 2);
        Assert.Equal(1, server.State.Connected);
        Assert.Equal(0, server.State.Disconnected);
        await client.DisposeAsync();
        await server.State.DisconnectedSignal.Task.WaitAsync(Timeout);
        Assert.Equal(1, server.State.Disconnected);
    }
}
