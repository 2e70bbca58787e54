using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Hubs;

/// <summary>
/// The invocation scheduler, every combination: invocation kind × how it ends × MaximumParallelInvocationsPerClient.
/// Each case sends limit + 2 invocations of one kind, waits until the ones that may run are running, ends them and
/// checks the wire (Completion with or without error, StreamItems before the Completion, nothing after a
/// CancelInvocation), that every upload stream was completed and that the limit was never exceeded. Invocations with
/// upload streams and the item pumps of server-to-client streams run outside the limit, as on the official server.
/// A non-blocking send has no id, so CancelInvocation does not apply to it (that combination is not generated).
/// </summary>
public sealed class SchedulerMatrixTests
{
    public enum Kind
    {
        Send,
        Invoke,
        Stream,
        InvokeWithUpload,
        StreamWithUpload,
    }

    public enum Outcome
    {
        Completes,
        HubThrows,
        ClientCancels,
        ConnectionDrops,
    }

    public static TheoryData<Kind, Outcome, int> Cases()
    {
        var data = new TheoryData<Kind, Outcome, int>();
        foreach (var kind in Enum.GetValues<Kind>())
        {
            foreach (var outcome in Enum.GetValues<Outcome>())
            {
                if (kind == Kind.Send && outcome == Outcome.ClientCancels)
                {
                    continue;
                }

                data.Add(kind, outcome, 1);
                data.Add(kind, outcome, 3);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryKindEndsAsExpectedWithinTheParallelLimit(Kind kind, Outcome outcome, int limit)
    {
        await using var server = InMemoryHubServer<SchedulerMatrixHub>.Create(
            o =>
            {
                o.MaximumParallelInvocationsPerClient = limit;
                o.KeepAliveInterval = TimeSpan.FromMinutes(5);
            },
            s => s.AddSingleton<SchedulerProbe>());
        var probe = server.Services.GetRequiredService<SchedulerProbe>();
        var connection = await server.ConnectAsync();
        var count = limit + 2;
        var keys = Enumerable.Range(0, count).Select(i => "k" + i).ToArray();
        var limited = kind is Kind.Send or Kind.Invoke;
        var mode = outcome == Outcome.HubThrows ? "throw" : "return";

        await connection.SendAsync(string.Concat(keys.Select(key => Message(kind, key, mode, completeUpload: outcome is Outcome.Completes or Outcome.HubThrows))));

        // The invocations that may run are running: within the limit the first ones in arrival order, else all of them.
        var running = limited ? keys[..limit] : keys;
        await Task.WhenAll(running.Select(key => probe.Waiting(key).WaitAsync()));
        if (limited)
        {
            // A barrier: the read loop answers an unknown target at once, so once its error is back every invocation
            // before it was handed to the scheduler, and with the first ones holding every slot the rest must wait.
            await connection.SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = "barrier", target = "Nope", arguments = Array.Empty<object>() }) + TestConnection.RS);
            Assert.Equal("barrier", (await connection.ReadNonPingAsync()).GetProperty("invocationId").GetString());
            var connectionState = HubConnections.Of<SchedulerMatrixHub>(server.Services).Values.Single();
            Assert.Equal(count - limit, connectionState.Invocations!.QueuedCount);
            Assert.All(keys[limit..], key => Assert.False(probe.Waiting(key).Task.IsCompleted, key + " started beyond the limit"));
        }

        switch (outcome)
        {
            case Outcome.Completes or Outcome.HubThrows:
                foreach (var key in keys)
                {
                    probe.Gate(key).TrySetResult();
                }

                break;
            case Outcome.ClientCancels:
                await connection.SendAsync(string.Concat(keys.Select(key => JsonSerializer.Serialize(new { type = 5, invocationId = key }) + TestConnection.RS)));
                break;
            case Outcome.ConnectionDrops:
                connection.CompleteInput();
                break;
        }

        if (outcome == Outcome.ConnectionDrops)
        {
            var rest = await connection.ReadUntilClosedAsync();
            await connection.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
            Assert.DoesNotContain(rest, m => m.Contains("\"item\":99", StringComparison.Ordinal));
            // What ran ended (its token is the connection's); what still waited for a slot never started.
            await Task.WhenAll(keys.Where(key => probe.Waiting(key).Task.IsCompleted).Select(key => probe.Exited(key).WaitAsync()));
        }
        else
        {
            var messages = await ReadAllAsync(connection, kind == Kind.Send ? [] : keys, probe, keys);
            foreach (var key in keys)
            {
                AssertWire(kind, outcome, key, messages.GetValueOrDefault(key) ?? []);
            }

            Assert.Empty(messages.Keys.Except(kind == Kind.Send ? [] : keys));
            if (limited && limit == 1 && outcome != Outcome.ClientCancels)
            {
                Assert.Equal(keys, probe.StartOrder.ToArray());
            }
        }

        if (kind is Kind.InvokeWithUpload or Kind.StreamWithUpload)
        {
            // Every upload stream ends: by the client's Completion, or by the server when its invocation or the connection ends.
            await Task.WhenAll(keys.Select(key => probe.Upload(key).Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TestConnection.DefaultTimeout)));
        }

        Assert.True(probe.MaxLimitedRunning <= limit, $"{probe.MaxLimitedRunning} invocations ran at once with a limit of {limit}");
        Assert.Equal(limited ? limit : 0, probe.MaxLimitedRunning);
        Assert.Equal(limited ? limit : count, probe.MaxRunning);
    }

    private static string Message(Kind kind, string key, string mode, bool completeUpload)
    {
        var upload = "u-" + key;
        return kind switch
        {
            Kind.Send => Json(new { type = 1, target = "Send", arguments = new object[] { key, mode } }),
            Kind.Invoke => Json(new { type = 1, invocationId = key, target = "Invoke", arguments = new object[] { key, mode } }),
            Kind.Stream => Json(new { type = 4, invocationId = key, target = "Stream", arguments = new object[] { key, mode } }),
            Kind.InvokeWithUpload => Json(new { type = 1, invocationId = key, target = "InvokeUpload", arguments = new object[] { key, mode }, streamIds = new[] { upload } }) + UploadItems(upload, completeUpload),
            _ => Json(new { type = 4, invocationId = key, target = "StreamUpload", arguments = new object[] { key, mode }, streamIds = new[] { upload } }) + UploadItems(upload, completeUpload),
        };

        // Two items; the client completes its upload only when the invocation is to end by itself (else the server must end it).
        static string UploadItems(string id, bool complete) =>
            Json(new { type = 2, invocationId = id, item = 1 }) + Json(new { type = 2, invocationId = id, item = 2 })
            + (complete ? Json(new { type = 3, invocationId = id }) : "");

        static string Json(object value) => JsonSerializer.Serialize(value) + TestConnection.RS;
    }

    /// <summary>Reads until every id in <paramref name="ids"/> has its Completion, then (after every invocation ended) until a sentinel's.</summary>
    private static async Task<Dictionary<string, List<JsonElement>>> ReadAllAsync(TestConnection connection, string[] ids, SchedulerProbe probe, string[] keys)
    {
        var messages = new Dictionary<string, List<JsonElement>>();
        var open = new HashSet<string>(ids);
        while (open.Count > 0)
        {
            Read(await connection.ReadNonPingAsync());
        }

        // Nothing more comes for them: everything sent before the sentinel's Completion has been read by then.
        await Task.WhenAll(keys.Where(key => probe.Waiting(key).Task.IsCompleted).Select(key => probe.Exited(key).WaitAsync()));
        await connection.SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = "sentinel", target = "Sentinel", arguments = Array.Empty<object>() }) + TestConnection.RS);
        while (true)
        {
            var message = await connection.ReadNonPingAsync();
            if (message.GetProperty("invocationId").GetString() == "sentinel")
            {
                return messages;
            }

            Read(message);
        }

        void Read(JsonElement message)
        {
            var id = message.GetProperty("invocationId").GetString()!;
            (messages.TryGetValue(id, out var list) ? list : messages[id] = []).Add(message);
            if (message.GetProperty("type").GetInt32() == 3)
            {
                open.Remove(id);
            }
        }
    }

    private static void AssertWire(Kind kind, Outcome outcome, string key, List<JsonElement> messages)
    {
        if (kind == Kind.Send)
        {
            Assert.Empty(messages);
            return;
        }

        var completion = Assert.Single(messages, m => m.GetProperty("type").GetInt32() == 3);
        Assert.Equal(3, messages[^1].GetProperty("type").GetInt32());
        var items = messages.Where(m => m.GetProperty("type").GetInt32() == 2).Select(m => m.GetProperty("item").GetInt32()).ToArray();
        Assert.Equal(messages.Count - 1, items.Length);
        var error = completion.TryGetProperty("error", out var e) ? e.GetString() : null;
        var isStream = kind is Kind.Stream or Kind.StreamWithUpload;
        var target = kind switch
        {
            Kind.Invoke => "Invoke",
            _ => "InvokeUpload",
        };

        if (isStream)
        {
            // Items 1 and 2 were produced before the outcome; 99 only after a cancellation, so it must never be sent.
            Assert.Equal([1, 2], items);
            Assert.False(completion.TryGetProperty("result", out _));
            Assert.Equal(outcome == Outcome.HubThrows ? "An error occurred on the server while streaming results." : null, error);
            return;
        }

        Assert.Empty(items);
        switch (outcome)
        {
            case Outcome.Completes:
                Assert.Null(error);
                Assert.Equal(kind == Kind.InvokeWithUpload ? 3 : 0, completion.GetProperty("result").GetInt32());
                break;
            default:
                // The hub's exception, or the OperationCanceledException of a cancelled token.
                Assert.Equal($"An unexpected error occurred invoking '{target}' on the server.", error);
                Assert.False(completion.TryGetProperty("result", out _));
                break;
        }
    }

    /// <summary>What the hub methods report; each case has its own server and so its own probe.</summary>
    public sealed class SchedulerProbe
    {
        private readonly ConcurrentDictionary<string, Signal> _waiting = new();
        private readonly ConcurrentDictionary<string, Signal> _gates = new();
        private readonly ConcurrentDictionary<string, Signal> _exited = new();
        private readonly ConcurrentDictionary<string, ChannelReader<int>> _uploads = new();
        private int _running;
        private int _maxRunning;
        private int _limitedRunning;
        private int _maxLimitedRunning;

        public ConcurrentQueue<string> StartOrder { get; } = new();

        /// <summary>Most methods of any kind running at once.</summary>
        public int MaxRunning => Volatile.Read(ref _maxRunning);

        /// <summary>Most methods subject to the limit (sends and invocations without uploads) running at once.</summary>
        public int MaxLimitedRunning => Volatile.Read(ref _maxLimitedRunning);

        public Signal Waiting(string key) => _waiting.GetOrAdd(key, _ => new Signal());

        public Signal Gate(string key) => _gates.GetOrAdd(key, _ => new Signal());

        public Signal Exited(string key) => _exited.GetOrAdd(key, _ => new Signal());

        public ChannelReader<int> Upload(string key) => _uploads[key];

        public void Enter(string key, bool limited, ChannelReader<int>? upload)
        {
            if (upload is not null)
            {
                _uploads[key] = upload;
            }

            StartOrder.Enqueue(key);
            Max(ref _maxRunning, Interlocked.Increment(ref _running));
            if (limited)
            {
                Max(ref _maxLimitedRunning, Interlocked.Increment(ref _limitedRunning));
            }
        }

        public void Exit(string key, bool limited)
        {
            if (limited)
            {
                Interlocked.Decrement(ref _limitedRunning);
            }

            Interlocked.Decrement(ref _running);
            Exited(key).TrySetResult();
        }

        /// <summary>The body of every non-streaming method: reads the upload's two items, waits for the test, ends as asked.</summary>
        public async Task<int> RunAsync(string key, string mode, bool limited, ChannelReader<int>? upload, CancellationToken cancellationToken)
        {
            Enter(key, limited, upload);
            try
            {
                var sum = upload is null ? 0 : await upload.ReadAsync(cancellationToken) + await upload.ReadAsync(cancellationToken);
                Waiting(key).TrySetResult();
                await Gate(key).Task.WaitAsync(cancellationToken);
                return mode == "throw" ? throw new InvalidOperationException("boom") : sum;
            }
            finally
            {
                Exit(key, limited);
            }
        }

        private static void Max(ref int max, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, value, seen) != seen)
            {
            }
        }
    }

    public sealed class SchedulerMatrixHub(SchedulerProbe probe) : Hub
    {
        public Task Send(string key, string mode) => probe.RunAsync(key, mode, limited: true, null, Context.ConnectionAborted);

        public Task<int> Invoke(string key, string mode, CancellationToken cancellationToken) =>
            probe.RunAsync(key, mode, limited: true, null, cancellationToken);

        public Task<int> InvokeUpload(string key, string mode, ChannelReader<int> items, CancellationToken cancellationToken) =>
            probe.RunAsync(key, mode, limited: false, items, cancellationToken);

        public string Sentinel() => "sentinel";

        public IAsyncEnumerable<int> Stream(string key, string mode, CancellationToken cancellationToken) =>
            StreamAsync(key, mode, null, cancellationToken);

        public IAsyncEnumerable<int> StreamUpload(string key, string mode, ChannelReader<int> items, CancellationToken cancellationToken) =>
            StreamAsync(key, mode, items, cancellationToken);

        private async IAsyncEnumerable<int> StreamAsync(string key, string mode, ChannelReader<int>? upload, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            probe.Enter(key, limited: false, upload);
            try
            {
                yield return upload is null ? 1 : await upload.ReadAsync(cancellationToken);
                yield return upload is null ? 2 : await upload.ReadAsync(cancellationToken);
                probe.Waiting(key).TrySetResult();
                var cancelled = false;
                try
                {
                    await probe.Gate(key).Task.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                }

                if (cancelled)
                {
                    // Produced after the cancellation: the server must not send it.
                    yield return 99;
                    yield break;
                }

                if (mode == "throw")
                {
                    throw new InvalidOperationException("boom");
                }
            }
            finally
            {
                probe.Exit(key, limited: false);
            }
        }
    }
}
