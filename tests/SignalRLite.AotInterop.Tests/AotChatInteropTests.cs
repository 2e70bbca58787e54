using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace SignalRLite.AotInterop.Tests;

/// <summary>
/// The official .NET client 10.0.15 against the Native AOT build of samples/AotChat, over every transport and protocol
/// that applies: calls with reference and value types, an app type result, streams both ways (value-type items too),
/// a broadcast, and the strongly typed hub's client calls.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AotChatInteropTests
{
    [Theory]
    [MemberData(nameof(AotChatServer.Variants), MemberType = typeof(AotChatServer))]
    public async Task Echo_and_value_types_round_trip(string transport, string protocol)
    {
        await using var connection = await AotChatServer.ConnectAsync("chat", transport, protocol);
        Assert.Equal("héllo ✓", await connection.InvokeAsync<string>("Echo", "héllo ✓"));
        Assert.Equal(42, await connection.InvokeAsync<int>("Add", 40, 2));
    }

    [Theory]
    [MemberData(nameof(AotChatServer.Variants), MemberType = typeof(AotChatServer))]
    public async Task An_app_type_is_returned(string transport, string protocol)
    {
        await using var connection = await AotChatServer.ConnectAsync("chat", transport, protocol);
        var message = await connection.InvokeAsync<ChatMessage>("Stamp", "ann", "hi");
        Assert.Equal(new ChatMessage("ann", "hi", 1_700_000_000_000), message);
    }

    [Theory]
    [MemberData(nameof(AotChatServer.Variants), MemberType = typeof(AotChatServer))]
    public async Task SendMessage_reaches_the_sender(string transport, string protocol)
    {
        await using var connection = await AotChatServer.ConnectAsync("chat", transport, protocol);
        var received = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var text = Guid.NewGuid().ToString("N");
        connection.On<string, string>("ReceiveMessage", (user, message) =>
        {
            if (message == text)
            {
                received.TrySetResult((user, message));
            }
        });
        await connection.InvokeAsync("SendMessage", "bob", text);
        Assert.Equal(("bob", text), await received.Task.WaitAsync(AotChatServer.Timeout));
    }

    [Theory]
    [MemberData(nameof(AotChatServer.Variants), MemberType = typeof(AotChatServer))]
    public async Task Server_to_client_streams_of_value_types(string transport, string protocol)
    {
        await using var connection = await AotChatServer.ConnectAsync("chat", transport, protocol);
        var numbers = new List<int>();
        await foreach (var n in connection.StreamAsync<int>("Counter", 5))
        {
            numbers.Add(n);
        }

        Assert.Equal([0, 1, 2, 3, 4], numbers);

        var reader = await connection.StreamAsChannelAsync<Point>("Points", 3);
        var points = new List<Point>();
        await foreach (var p in reader.ReadAllAsync())
        {
            points.Add(p);
        }

        Assert.Equal([new Point(0, 0), new Point(1, 1), new Point(2, 4)], points);
    }

    [Theory]
    [MemberData(nameof(AotChatServer.Variants), MemberType = typeof(AotChatServer))]
    public async Task Client_to_server_streams_of_value_types_and_strings(string transport, string protocol)
    {
        await using var connection = await AotChatServer.ConnectAsync("chat", transport, protocol);
        Assert.Equal(15L, await connection.InvokeAsync<long>("Sum", Numbers(5)));

        var points = Channel.CreateUnbounded<Point>();
        var sum = connection.InvokeAsync<int>("SumPoints", points.Reader);
        await points.Writer.WriteAsync(new Point(1, 2));
        await points.Writer.WriteAsync(new Point(3, 4));
        points.Writer.Complete();
        Assert.Equal(10, await sum.WaitAsync(AotChatServer.Timeout));

        var parts = Channel.CreateUnbounded<string>();
        var joined = connection.InvokeAsync<string>("Join", parts.Reader);
        await parts.Writer.WriteAsync("native");
        await parts.Writer.WriteAsync("chat");
        parts.Writer.Complete();
        Assert.Equal("native chat", await joined.WaitAsync(AotChatServer.Timeout));

        static async IAsyncEnumerable<int> Numbers(int count)
        {
            for (var i = 1; i <= count; i++)
            {
                await Task.Yield();
                yield return i;
            }
        }
    }

    [Theory]
    [MemberData(nameof(AotChatServer.Variants), MemberType = typeof(AotChatServer))]
    public async Task The_strongly_typed_hub_calls_clients(string transport, string protocol)
    {
        await using var connection = await AotChatServer.ConnectAsync("typedchat", transport, protocol);
        var text = Guid.NewGuid().ToString("N");
        var message = new TaskCompletionSource<ChatMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tick = new TaskCompletionSource<(int, Point)>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<ChatMessage>("ReceiveMessage", m =>
        {
            if (m.Text == text)
            {
                message.TrySetResult(m);
            }
        });
        connection.On<int, Point>("Tick", (count, at) => tick.TrySetResult((count, at)));

        await connection.InvokeAsync("Send", "cy", text);
        Assert.Equal(new ChatMessage("cy", text, 1_700_000_000_000), await message.Task.WaitAsync(AotChatServer.Timeout));

        await connection.InvokeAsync("TickCaller", 7);
        Assert.Equal((7, new Point(7, -7)), await tick.Task.WaitAsync(AotChatServer.Timeout));
    }
}
