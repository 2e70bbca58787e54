using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;

namespace SignalRLite.Tests.Hubs;

public class InvocationTests
{
    internal static async Task<JsonElement> InvokeAsync(TestConnection connection, string target, params object?[] args)
    {
        var id = Guid.NewGuid().ToString("N");
        await connection.SendAsync(Invocation(id, target, args));
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal(3, completion.GetProperty("type").GetInt32());
        Assert.Equal(id, completion.GetProperty("invocationId").GetString());
        return completion;
    }

    internal static string? Error(JsonElement completion) =>
        completion.TryGetProperty("error", out var e) ? e.GetString() : null;

    [Fact]
    public async Task C51_NonVoidMethodGetsOneCompletionWithResult()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        var completion = await InvokeAsync(connection, "Add", 2, 3);
        Assert.Equal(5, completion.GetProperty("result").GetInt32());
        Assert.False(completion.TryGetProperty("error", out _));
    }

    [Theory]
    [InlineData("Void")]
    [InlineData("VoidAsync")]
    public async Task C52_VoidMethodGetsCompletionWithANullResult(string target)
    {
        // As the official server (observed): "result":null, not the spec's void shape without result.
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation("1", target));
        Assert.Equal("{\"type\":3,\"invocationId\":\"1\",\"result\":null}", await connection.ReadMessageAsync());
    }

    [Fact]
    public async Task C53_NullResultIsSentAsNull()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        var completion = await InvokeAsync(connection, "Null");
        Assert.Equal(JsonValueKind.Null, completion.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task ReturnShapesAreAwaitedAndSerialisedInCamelCase()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        Assert.Equal(7, (await InvokeAsync(connection, "AddAsync", 3, 4)).GetProperty("result").GetInt32());
        Assert.Equal("vt", (await InvokeAsync(connection, "ValueTaskEcho", "vt")).GetProperty("result").GetString());
        var person = (await InvokeAsync(connection, "MakePerson", "Ann", 30)).GetProperty("result");
        Assert.Equal("Ann", person.GetProperty("name").GetString());
        Assert.Equal(30, person.GetProperty("age").GetInt32());
        Assert.Equal("[3,2,1]", (await InvokeAsync(connection, "Reverse", new[] { 1, 2, 3 })).GetProperty("result").GetRawText());
        Assert.Equal(JsonValueKind.Null, (await InvokeAsync(connection, "Nullable", [null])).GetProperty("result").ValueKind);
        Assert.Equal(1, (await InvokeAsync(connection, "EchoMood", 1)).GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task C54_NonBlockingInvocationNeverGetsACompletion()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation(null, "Throw"));
        await connection.SendAsync(Invocation(null, "Nope"));
        await connection.SendAsync(Invocation(null, "Echo"));
        await connection.SendAsync(Invocation(null, "SendMessage", "fire"));
        var completion = await InvokeAsync(connection, "Echo", "after");
        Assert.Equal("after", completion.GetProperty("result").GetString());
        Assert.Contains("send:fire", server.Probe().Events);
    }

    [Fact]
    public async Task C55_UnknownTargetGetsErrorAndConnectionStaysOpen()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        var completion = await InvokeAsync(connection, "Nope");
        Assert.Equal("Failed to invoke 'Nope' due to an error on the server. HubException: Method does not exist.", Error(completion));
        Assert.Equal("ok", (await InvokeAsync(connection, "Echo", "ok")).GetProperty("result").GetString());
    }

    [Fact]
    public async Task C56_WrongArgumentCountOrTypeGetsErrorAndConnectionStaysOpen()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        Assert.Equal("Failed to invoke 'Echo' due to an error on the server.", Error(await InvokeAsync(connection, "Echo")));
        Assert.Equal("Failed to invoke 'Add' due to an error on the server.", Error(await InvokeAsync(connection, "Add", "a", 1)));
        Assert.Equal(3, (await InvokeAsync(connection, "Add", 1, 2)).GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task C57_UnexpectedExceptionHidesDetails()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        Assert.Equal("An unexpected error occurred invoking 'Throw' on the server.", Error(await InvokeAsync(connection, "Throw")));
        Assert.Equal("An unexpected error occurred invoking 'ThrowAsync' on the server.", Error(await InvokeAsync(connection, "ThrowAsync")));
    }

    [Fact]
    public async Task C58_HubExceptionMessageReachesTheClient()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        // The official server's wording (observed black-box): the generic text plus the HubException's message.
        Assert.Equal("An unexpected error occurred invoking 'ThrowHub' on the server. HubException: boom", Error(await InvokeAsync(connection, "ThrowHub")));
    }

    [Fact]
    public async Task C59_DetailedErrorsIncludeTheExceptionMessage()
    {
        await using var server = Create<TestHub>(o => o.EnableDetailedErrors = true);
        var connection = await server.ConnectAsync();
        Assert.Equal("An unexpected error occurred invoking 'Throw' on the server. InvalidOperationException: secret", Error(await InvokeAsync(connection, "Throw")));
        var binding = Error(await InvokeAsync(connection, "Echo"));
        Assert.StartsWith("Failed to invoke 'Echo' due to an error on the server. InvalidDataException: ", binding);
    }

    [Fact]
    public async Task C61_C62_StreamingMismatchGetsError()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        Assert.Equal(
            "The client attempted to invoke the streaming 'Counter' method with a non-streaming invocation.",
            Error(await InvokeAsync(connection, "Counter", 2)));

        await connection.SendAsync(StreamInvocation("s1", "Echo", "x"));
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal("The client attempted to invoke the non-streaming 'Echo' method with a streaming invocation.", Error(completion));
    }

    [Fact]
    public async Task C63_HeadersAreIgnored()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":1,\"headers\":{\"a\":\"b\"},\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"h\"]}\u001e");
        Assert.Equal("h", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task C64_C65_InvocationsRunOneAtATimeInArrivalOrderWhileTheReaderKeepsGoing()
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation("a", "Gate", "a") + Invocation("b", "Gate", "b") + Invocation("c", "Gate", "c"));
        await probe.Started("a").WaitAsync();

        // The reader is not blocked by the queued invocations: a ping and an unknown target are handled at once.
        await connection.SendAsync("{\"type\":6}\u001e" + Invocation("x", "Nope"));
        var unknown = await connection.ReadNonPingAsync();
        Assert.Equal("x", unknown.GetProperty("invocationId").GetString());

        // The reader got past b and c (it answered x): both wait in the queue behind a instead of running.
        Assert.Equal(2, QueuedInvocations(server).QueuedCount);
        Assert.False(probe.Started("b").Task.IsCompleted);

        probe.Gate("b").TrySetResult();
        probe.Gate("c").TrySetResult();
        probe.Gate("a").TrySetResult();
        Assert.Equal("a", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
        Assert.Equal("b", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
        Assert.Equal("c", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
        Assert.Equal(1, probe.MaxRunning);
        Assert.Equal(["start:a", "end:a", "start:b", "end:b", "start:c", "end:c"], probe.Events.ToArray());
    }

    [Fact]
    public async Task MaximumParallelInvocationsAllowsThatManyAtOnce()
    {
        await using var server = Create<TestHub>(o => o.MaximumParallelInvocationsPerClient = 2);
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation("a", "Gate", "a") + Invocation("b", "Gate", "b") + Invocation("c", "Gate", "c"));
        await probe.Started("a").WaitAsync();
        await probe.Started("b").WaitAsync();
        Assert.Equal(2, probe.MaxRunning);
        Assert.False(probe.Started("c").Task.IsCompleted);

        probe.Gate("a").TrySetResult();
        await probe.Started("c").WaitAsync();
        probe.Gate("b").TrySetResult();
        probe.Gate("c").TrySetResult();
        var ids = new HashSet<string?>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await connection.ReadNonPingAsync()).GetProperty("invocationId").GetString());
        }

        Assert.Equal(["a", "b", "c"], ids.Order());
        Assert.Equal(2, probe.MaxRunning);
    }

    [Fact]
    public async Task C66_TargetMatchesCaseInsensitivelyAsFallback()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        Assert.Equal("x", (await InvokeAsync(connection, "echo", "x")).GetProperty("result").GetString());
        Assert.Equal("renamed-ok", (await InvokeAsync(connection, "renamed")).GetProperty("result").GetString());
        Assert.Equal("Failed to invoke 'Original' due to an error on the server. HubException: Method does not exist.", Error(await InvokeAsync(connection, "Original")));
    }

    [Fact]
    public async Task ServiceParametersComeFromDI()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        Assert.Equal("hello bob", (await InvokeAsync(connection, "Greet", "bob")).GetProperty("result").GetString());
    }

    [Fact]
    public async Task ImplicitServiceParametersCanBeDisabled()
    {
        await using var server = Create<TestHub>(o => o.DisableImplicitFromServicesParameters = true);
        var connection = await server.ConnectAsync();
        // IGreeter is now a wire parameter: one argument is missing.
        Assert.Equal("Failed to invoke 'Greet' due to an error on the server.", Error(await InvokeAsync(connection, "Greet", "bob")));
    }

    [Fact]
    public async Task ExplicitServiceParametersWorkWithImplicitOnesDisabled()
    {
        await using var server = Create<TestHub>(o => o.DisableImplicitFromServicesParameters = true);
        var connection = await server.ConnectAsync();
        Assert.Equal("hello ann", (await InvokeAsync(connection, "GreetExplicit", "ann")).GetProperty("result").GetString());
        Assert.Equal("HELLO ANN", (await InvokeAsync(connection, "GreetKeyed", "ann")).GetProperty("result").GetString());
    }

    [Fact]
    public async Task C71_CancelInvocationCancelsTheTokenAndTheCompletionStillComes()
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation("w", "WaitForCancel", "w"));
        await probe.Started("w").WaitAsync();
        await connection.SendAsync("{\"type\":5,\"invocationId\":\"w\"}\u001e");
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal("cancelled", completion.GetProperty("result").GetString());
    }

    [Fact]
    public async Task DuplicateInFlightInvocationIdRunsBothAsTheOfficialServerDoes()
    {
        await using var server = Create<TestHub>();
        var probe = server.Probe();
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation("same", "Gate", "d1"));
        await probe.Started("d1").WaitAsync();
        await connection.SendAsync(Invocation("same", "Echo", "x"));
        probe.Gate("d1").TrySetResult();

        foreach (var expected in new[] { "d1", "x" })
        {
            var completion = await connection.ReadNonPingAsync();
            Assert.Equal(3, completion.GetProperty("type").GetInt32());
            Assert.Equal("same", completion.GetProperty("invocationId").GetString());
            Assert.Equal(expected, completion.GetProperty("result").GetString());
        }
    }

    [Fact]
    public async Task PipelinedInvocationsAreAllAnsweredAndNoneWaitsForALaterOne()
    {
        // A hub on the scope-less fast path (no constructor parameters, no filters), where completions of invocations
        // run back to back are written without a flush until the run ends. No keep-alive ping during the test: a ping's
        // flush would hide a completion left unflushed.
        await using var server = InMemoryHubServer<PipelineHub>.Create(o => o.KeepAliveInterval = TimeSpan.FromMinutes(5));
        var connection = await server.ConnectAsync();
        var first = PipelineHub.Gate("first-" + Guid.NewGuid());
        var held = PipelineHub.Gate("held-" + Guid.NewGuid());

        // While "first" holds the only slot, three more queue up. Once it ends they run back to back on one thread: the
        // completions of a and b go out in one flush, which must not wait for c (still running).
        await connection.SendAsync(Invocation("first", "Wait", first.Key));
        // An unknown target is answered by the reader at once (not queued): once its error arrives, the reader has
        // queued the three invocations sent before it.
        await connection.SendAsync(Invocation("a", "Echo", "x") + Invocation("b", "Echo", "y") + Invocation("c", "Wait", held.Key) + Invocation("sync", "Nope"));
        Assert.Equal("sync", (await connection.ReadNonPingAsync()).GetProperty("invocationId").GetString());
        Assert.Equal(3, QueuedInvocations(server).QueuedCount);

        first.Gate.TrySetResult();
        Assert.Equal(first.Key, (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
        foreach (var (id, result) in new[] { ("a", "x"), ("b", "y") })
        {
            var completion = await connection.ReadNonPingAsync();
            Assert.Equal(id, completion.GetProperty("invocationId").GetString());
            Assert.Equal(result, completion.GetProperty("result").GetString());
        }

        held.Gate.TrySetResult();
        Assert.Equal(held.Key, (await connection.ReadNonPingAsync()).GetProperty("result").GetString());

        // Many at once: every one answered, in order.
        var batch = string.Concat(Enumerable.Range(0, 200).Select(i => Invocation("p" + i, "Echo", "v" + i)));
        await connection.SendAsync(batch);
        for (var i = 0; i < 200; i++)
        {
            var completion = await connection.ReadNonPingAsync();
            Assert.Equal("p" + i, completion.GetProperty("invocationId").GetString());
            Assert.Equal("v" + i, completion.GetProperty("result").GetString());
        }
    }

    [Fact]
    public async Task ASynchronousMethodRunOnTheReadLoopDoesNotTripTheClientTimeout()
    {
        // BlockUntil is synchronous, so it runs on the read loop (nothing else queued); the client sends nothing
        // meanwhile. Fake time: three client timeouts pass (every heartbeat tick runs) while the method blocks.
        var time = new FakeTimeProvider();
        await using var server = InMemoryHubServer<PipelineHub>.Create(
            o =>
            {
                o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
                o.KeepAliveInterval = TimeSpan.FromSeconds(10);
            },
            s => s.AddSingleton<TimeProvider>(time));
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":6}\u001e"); // the first Ping arms the client timeout, as on the official server
        Assert.Equal("armed", await EchoAsync(connection, "armed"));
        var (key, gate) = PipelineHub.Gate("block-" + Guid.NewGuid().ToString("N"));
        await connection.SendAsync(Invocation("block", "BlockUntil", key));
        await PipelineHub.Gate(key + ":entered").Gate.Task.WaitAsync(TestConnection.DefaultTimeout);
        var heartbeat = server.Services.GetRequiredService<Internal.Hubs.HubConnectionHeartbeat>();
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(90); elapsed += heartbeat.Period)
        {
            time.Advance(heartbeat.Period);
        }

        gate.TrySetResult();
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal(3, completion.GetProperty("type").GetInt32());
        Assert.Equal("done", completion.GetProperty("result").GetString());
        Assert.Equal("x", await EchoAsync(connection, "x"));
    }

    private static async Task<string?> EchoAsync(TestConnection connection, string value)
    {
        await connection.SendAsync(Invocation("echo", "Echo", value));
        return (await connection.ReadNonPingAsync()).GetProperty("result").GetString();
    }

    private static Internal.Hubs.HubConnectionInvocations QueuedInvocations<THub>(InMemoryHubServer<THub> server)
        where THub : Hub =>
        HubConnections.Of<THub>(server.Services).Values.Single().Invocations!;

    public sealed class PipelineHub : Hub
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

        public static (string Key, TaskCompletionSource Gate) Gate(string key) =>
            (key, Gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));

        public string Echo(string value) => value;

        /// <summary>Blocks its thread (the read loop's, when nothing else is queued) until the gate <paramref name="key"/> opens.</summary>
        public string BlockUntil(string key)
        {
            Gate(key + ":entered").Gate.TrySetResult();
            Gate(key).Gate.Task.Wait();
            return "done";
        }

        public async Task<string> Wait(string key)
        {
            await Gate(key).Gate.Task;
            return key;
        }
    }
}
