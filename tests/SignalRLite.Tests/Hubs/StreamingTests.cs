using System.Text.Json;
using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;

namespace SignalRLite.Tests.Hubs;

public class StreamingTests
{
    private static string Item(string id, object? item) => JsonSerializer.Serialize(new { type = 2, invocationId = id, item }) + "\u001e";

    private static string Complete(string id, string? error = null) =>
        (error is null ? JsonSerializer.Serialize(new { type = 3, invocationId = id }) : JsonSerializer.Serialize(new { type = 3, invocationId = id, error })) + "\u001e";

    private static string Upload(string id, string target, string[] streamIds, params object?[] args) =>
        JsonSerializer.Serialize(new { type = 1, invocationId = id, target, arguments = args, streamIds }) + "\u001e";

    [Fact]
    public async Task C67_StreamInvocationGetsItemsThenCompletion()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(StreamInvocation("s", "Counter", 5));
        for (var i = 0; i < 5; i++)
        {
            var item = await connection.ReadNonPingAsync();
            Assert.Equal(2, item.GetProperty("type").GetInt32());
            Assert.Equal("s", item.GetProperty("invocationId").GetString());
            Assert.Equal(i, item.GetProperty("item").GetInt32());
        }

        var completion = await connection.ReadNonPingAsync();
        Assert.Equal(3, completion.GetProperty("type").GetInt32());
        Assert.False(completion.TryGetProperty("result", out _));
        Assert.False(completion.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task ChannelReaderResultsAreStreamed()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(StreamInvocation("s", "ChannelStream", 2));
        Assert.Equal("item0", (await connection.ReadNonPingAsync()).GetProperty("item").GetString());
        Assert.Equal("item1", (await connection.ReadNonPingAsync()).GetProperty("item").GetString());
        Assert.Equal(3, (await connection.ReadNonPingAsync()).GetProperty("type").GetInt32());
    }

    [Fact]
    public async Task C68_FailingStreamSendsItemsThenError()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(StreamInvocation("s", "FailingStream"));
        Assert.Equal(1, (await connection.ReadNonPingAsync()).GetProperty("item").GetInt32());
        Assert.Equal(2, (await connection.ReadNonPingAsync()).GetProperty("item").GetInt32());
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal("An error occurred on the server while streaming results.", completion.GetProperty("error").GetString());
    }

    [Fact]
    public async Task C69_CancelInvocationStopsTheStreamAndACompletionFollows()
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(StreamInvocation("inf", "Infinite", "inf"));
        await probe.Started("inf").WaitAsync();
        Assert.Equal(2, (await connection.ReadNonPingAsync()).GetProperty("type").GetInt32());
        await connection.SendAsync("{\"type\":5,\"invocationId\":\"inf\"}\u001e");
        JsonElement message;
        do
        {
            message = await connection.ReadNonPingAsync();
        }
        while (message.GetProperty("type").GetInt32() == 2);

        Assert.Equal(3, message.GetProperty("type").GetInt32());
        Assert.False(message.TryGetProperty("error", out _));
        Assert.Contains("end:inf", probe.Events);
    }

    [Fact]
    public async Task C70_CancelForUnknownIdIsIgnored()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":5,\"invocationId\":\"nope\"}\u001e" + Invocation("1", "Echo", "open"));
        Assert.Equal("open", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task StreamingMethodDoesNotHoldTheInvocationSlot()
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(StreamInvocation("inf", "Infinite", "inf"));
        await probe.Started("inf").WaitAsync();
        await connection.SendAsync(Invocation("1", "Echo", "beside"));
        JsonElement message;
        do
        {
            message = await connection.ReadNonPingAsync();
        }
        while (message.GetProperty("type").GetInt32() == 2);

        Assert.Equal("beside", message.GetProperty("result").GetString());
        await connection.SendAsync("{\"type\":5,\"invocationId\":\"inf\"}\u001e");
    }

    [Theory]
    [InlineData("Sum")]
    [InlineData("SumEnumerable")]
    public async Task C72_UploadStreamFeedsTheParameter(string target)
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Upload("42", target, ["1"]) + Item("1", 1) + Item("1", 2));
        await connection.SendAsync(Item("1", 3) + Complete("1"));
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal(6, completion.GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task C73_UploadCompletionWithErrorFailsTheConsumer()
    {
        await using var server = Create<TestHub>(o => o.EnableDetailedErrors = true);
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Upload("42", "Sum", ["1"]) + Item("1", 1) + Complete("1", "client broke"));
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal("An unexpected error occurred invoking 'Sum' on the server. HubException: client broke", completion.GetProperty("error").GetString());
    }

    [Fact]
    public async Task C74_C76_ItemsForUnknownOrFinishedStreamsAreIgnored()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Item("ghost", 1) + Complete("ghost"));
        await connection.SendAsync(Upload("42", "Sum", ["1"]) + Item("1", 5) + Complete("1"));
        Assert.Equal(5, (await connection.ReadNonPingAsync()).GetProperty("result").GetInt32());
        await connection.SendAsync(Item("1", 7) + Complete("1") + Invocation("2", "Echo", "open"));
        Assert.Equal("open", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Theory]
    [InlineData(false, "HubException: Failed to bind Stream message.")]
    [InlineData(true, "HubException: Failed to bind Stream message. JsonException: The JSON value could not be converted to System.Int32. Path: $ | LineNumber: 0 | BytePositionInLine: 5.")]
    public async Task AnItemThatFailsToBindEndsTheUploadWithAHubException(bool detailed, string expected)
    {
        // As the official server (observed; OfficialUploadAndHandshakeComparisonTests): items before it are delivered,
        // later ones ignored, the connection stays open.
        await using var server = Create<TestHub>(o => o.EnableDetailedErrors = detailed);
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Upload("1", "SumOrFailure", ["s"], "k") + Item("s", 1) + Item("s", "abc") + Item("s", 5) + Complete("s"));
        Assert.Equal(expected, (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
        await connection.SendAsync(Invocation("2", "Echo", "open"));
        Assert.Equal("open", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task ADuplicateStreamIdIsTakenOverAndTheOlderStreamEndsWithTheConnection()
    {
        // As the official server (observed): no protocol error; the newest invocation gets the id's items.
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Upload("1", "SumOrFailure", ["s"], "first") + Upload("2", "Sum", ["s"]) + Item("s", 5) + Complete("s"));
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal("2", completion.GetProperty("invocationId").GetString());
        Assert.Equal(5, completion.GetProperty("result").GetInt32());

        // The first invocation waits for a stream nothing can reach; it is not left behind when the connection ends.
        connection.CompleteInput();
        await probe.Started("ended:first").WaitAsync();
        Assert.Contains("first OperationCanceledException: The connection was closed.", probe.Events);
    }

    [Fact]
    public async Task C75_StreamIdCountMismatchIsABindingError()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Upload("1", "Sum", []));
        Assert.Equal("Failed to invoke 'Sum' due to an error on the server.", (await connection.ReadNonPingAsync()).GetProperty("error").GetString());
        await connection.SendAsync(Upload("2", "Echo", ["9"], "x"));
        Assert.Equal("Failed to invoke 'Echo' due to an error on the server.", (await connection.ReadNonPingAsync()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task C77_FullUploadBufferPausesReading()
    {
        await using var server = Create<TestHub>(o => o.StreamBufferCapacity = 2);
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Upload("42", "HoldThenSum", ["1"], "hold"));
        await probe.Started("hold").WaitAsync();
        await connection.SendAsync(Item("1", 1) + Item("1", 2) + Item("1", 3) + Invocation("x", "Nope"));

        var reader = connection.ReadNonPingAsync(TimeSpan.FromSeconds(10));
        // The reader pauses on item 3 (the buffer holds 2), before it parses the invocation "x" behind it; once the
        // pause is observed, "x" cannot have been answered. The pause is internal state without an event: polled.
        var context = HubConnections.Of<TestHub>(server.Services).Values.Single();
        await TestWaits.UntilAsync(() => HubConnections.IsReaderPaused(context), "The reader should be paused by the full stream buffer.");
        Assert.False(reader.IsCompleted, "\"x\" was answered while the stream buffer was full.");

        probe.Gate("hold").TrySetResult();
        Assert.Equal("x", (await reader).GetProperty("invocationId").GetString());
        await connection.SendAsync(Complete("1"));
        Assert.Equal(6, (await connection.ReadNonPingAsync()).GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task ReaderPausedByBackpressureIsNotAClientTimeout()
    {
        // Fake time: the heartbeat ticks only when the test moves the clock.
        await using var server = FakeTimeHubServer.Create(o =>
        {
            o.StreamBufferCapacity = 1;
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
        });
        var probe = server.Server.Probe();
        var connection = await server.ConnectRunningAsync();
        await connection.SendAsync(Upload("42", "HoldThenSum", ["1"], "hold") + Item("1", 1) + Item("1", 2) + Item("1", 3));
        await probe.Started("hold").WaitAsync();
        var context = HubConnections.Of<TestHub>(server.Server.Services).Values.Single();
        await TestWaits.UntilAsync(() => HubConnections.IsReaderPaused(context), "the reader never paused"); // internal state, no event: polled

        // Three client timeouts pass (every heartbeat tick runs) while the server, not the client, is the one not reading.
        server.Advance(TimeSpan.FromSeconds(90));
        probe.Gate("hold").TrySetResult();
        await connection.SendAsync(Complete("1"));
        Assert.Equal(6, (await connection.ReadNonPingAsync()).GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task AbortWhileTheReaderIsPausedClosesCleanly()
    {
        await using var server = Create<TestHub>(o => o.StreamBufferCapacity = 1);
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Upload("42", "HoldThenAbort", ["1"], "hold") + Item("1", 1) + Item("1", 2) + Item("1", 3));
        await probe.Started("hold").WaitAsync();
        probe.Gate("hold").TrySetResult();

        var messages = await connection.ReadUntilClosedAsync();
        // The aborting method's own Completion may precede the Close; the Close carries no error.
        Assert.Equal("{\"type\":7}", messages[^1]);
        Assert.All(messages, m => Assert.DoesNotContain("error", m));
        Assert.Null(await probe.Disconnected.WaitAsync());
    }
}
