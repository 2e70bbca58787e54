using System.Buffers;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Protocol;
using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;

namespace SignalRLite.Tests.Hubs;

public class LifetimeManagerTests
{
    private static ClaimsPrincipal UserNamed(string id) => new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id)], "test"));

    /// <summary>Three connected clients (a, b in group "g"; c not) with their connection ids.</summary>
    private static async Task<(InMemoryHubServer<TestHub> Server, TestConnection[] Clients, string[] Ids)> ThreeClientsAsync()
    {
        var server = Create<TestHub>();
        var clients = new TestConnection[3];
        var ids = new string[3];
        for (var i = 0; i < 3; i++)
        {
            clients[i] = await server.ConnectAsync(user: UserNamed(i == 2 ? "carol" : "alice"));
            await clients[i].SendAsync(Invocation("id", "Caller"));
            ids[i] = (await clients[i].ReadNonPingAsync()).GetProperty("result").GetString()!;
        }

        foreach (var c in clients[..2])
        {
            await c.SendAsync(Invocation("j", "JoinGroup", "g"));
            await c.ReadNonPingAsync();
        }

        return (server, clients, ids);
    }

    /// <summary>
    /// Client <paramref name="from"/> invokes <paramref name="target"/> and waits for its completion; then a marker goes
    /// to everyone, so each client's next message tells whether it got the hub method's message.
    /// </summary>
    private static async Task<bool[]> WhoReceivedAsync(InMemoryHubServer<TestHub> server, TestConnection[] clients, int from, string target, string expectedKind, params object?[] args)
    {
        var got = new bool[clients.Length];
        await clients[from].SendAsync(Invocation("w", target, args));
        while (true)
        {
            var message = await clients[from].ReadNonPingAsync();
            if (message.GetProperty("type").GetInt32() == 3)
            {
                break;
            }

            got[from] |= message.GetProperty("arguments")[0].GetString() == expectedKind;
        }

        await server.HubContext.Clients.All.SendAsync("Receive", "marker", "-");
        for (var i = 0; i < clients.Length; i++)
        {
            var message = await clients[i].ReadNonPingAsync();
            if (message.GetProperty("arguments")[0].GetString() == expectedKind)
            {
                got[i] = true;
                message = await clients[i].ReadNonPingAsync();
            }

            Assert.Equal("marker", message.GetProperty("arguments")[0].GetString());
        }

        return got;
    }

    [Fact]
    public async Task EveryTargetReachesExactlyItsConnections()
    {
        var (server, c, ids) = await ThreeClientsAsync();
        await using var _ = server;
        Assert.Equal(new[] { true, true, true }, await WhoReceivedAsync(server, c, 0, "ToAll", "all", "m"));
        Assert.Equal(new[] { true, false, false }, await WhoReceivedAsync(server, c, 0, "ToCaller", "caller", "m"));
        Assert.Equal(new[] { false, true, true }, await WhoReceivedAsync(server, c, 0, "ToOthers", "others", "m"));
        Assert.Equal(new[] { true, true, false }, await WhoReceivedAsync(server, c, 2, "ToGroup", "group", "g", "m"));
        Assert.Equal(new[] { false, true, false }, await WhoReceivedAsync(server, c, 0, "ToOthersInGroup", "othersingroup", "g", "m"));
        Assert.Equal(new[] { true, false, false }, await WhoReceivedAsync(server, c, 2, "ToGroupExcept", "groupexcept", "g", new[] { ids[1] }, "m"));
        Assert.Equal(new[] { true, true, false }, await WhoReceivedAsync(server, c, 2, "ToGroups", "groups", new[] { "g", "none" }, "m"));
        Assert.Equal(new[] { false, false, true }, await WhoReceivedAsync(server, c, 0, "ToClient", "client", ids[2], "m"));
        Assert.Equal(new[] { true, false, true }, await WhoReceivedAsync(server, c, 1, "ToClients", "clients", new[] { ids[0], ids[2] }, "m"));
        Assert.Equal(new[] { false, true, false }, await WhoReceivedAsync(server, c, 1, "ToAllExcept", "allexcept", new[] { ids[0], ids[2] }, "m"));
        Assert.Equal(new[] { true, true, false }, await WhoReceivedAsync(server, c, 2, "ToUser", "user", "alice", "m"));
        Assert.Equal(new[] { true, true, true }, await WhoReceivedAsync(server, c, 2, "ToUsers", "users", new[] { "alice", "carol" }, "m"));
    }

    [Fact]
    public async Task LeavingAndDisconnectingRemoveFromGroups()
    {
        var (server, c, ids) = await ThreeClientsAsync();
        await using var _ = server;
        await c[0].SendAsync(Invocation("l", "LeaveGroup", "g"));
        await c[0].ReadNonPingAsync();
        c[1].CompleteInput();
        await c[1].HandlerTask.WaitAsync(TestConnection.DefaultTimeout);

        await server.HubContext.Clients.Group("g").SendAsync("Receive", "group", "x");
        await server.HubContext.Clients.All.SendAsync("Receive", "marker", "-");
        Assert.Equal("marker", (await c[0].ReadNonPingAsync()).GetProperty("arguments")[0].GetString());
        Assert.Equal("marker", (await c[2].ReadNonPingAsync()).GetProperty("arguments")[0].GetString());
    }

    [Fact]
    public async Task UserIdentifierComesFromTheReplaceableProvider()
    {
        await using var server = Create<TestHub>(services: s => s.AddSingleton<IUserIdProvider, HeaderlessUserIdProvider>());
        var connection = await server.ConnectAsync(user: UserNamed("ignored"));
        await connection.SendAsync(Invocation("1", "WhoAmI"));
        Assert.Equal("custom-" + connection.ConnectionId, (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task DefaultUserIdIsTheNameIdentifierClaim()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync(user: UserNamed("dave"));
        await connection.SendAsync(Invocation("1", "WhoAmI"));
        Assert.Equal("dave", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task BroadcastIsSerialisedOncePerProtocol()
    {
        var counting = new CountingProtocol();
        await using var server = Create<TestHub>(services: s => s.AddSingleton<IHubProtocol>(counting));
        var clients = new List<TestConnection>();
        for (var i = 0; i < 5; i++)
        {
            clients.Add(await server.ConnectAsync());
        }

        await server.HubContext.Clients.All.SendAsync("Broadcast", "payload");
        foreach (var client in clients)
        {
            Assert.Equal("Broadcast", (await client.ReadNonPingAsync()).GetProperty("target").GetString());
        }

        Assert.Equal(1, counting.Serialisations("Broadcast"));

        await server.HubContext.Clients.Group("nobody").SendAsync("Broadcast", "payload");
        await server.HubContext.Clients.Users(["a", "b"]).SendAsync("Broadcast", "payload");
        Assert.Equal(1, counting.Serialisations("Broadcast"));
    }

    [Fact]
    public async Task SlowClientDoesNotDelayDeliveryToOthers()
    {
        await using var server = Create<TestHub>();
        var slow = new TestConnection(outputPauseThreshold: 256);
        await server.ConnectAsync(connection: slow);
        var fast = await server.ConnectAsync();

        // The slow client never reads: after its pipe fills, writes to it wait.
        var payload = new string('x', 200);
        var broadcasts = new List<Task>();
        for (var i = 0; i < 5; i++)
        {
            broadcasts.Add(server.HubContext.Clients.All.SendAsync("Big", i, payload));
            var message = await fast.ReadNonPingAsync();
            Assert.Equal(i, message.GetProperty("arguments")[0].GetInt32());
        }

        Assert.Contains(broadcasts, b => !b.IsCompleted);

        // Once the slow client reads, every pending broadcast completes.
        var drained = Task.Run(async () =>
        {
            while (true)
            {
                if (await slow.ReadMessageAsync() is null)
                {
                    return;
                }
            }
        });
        await Task.WhenAll(broadcasts).WaitAsync(TestConnection.DefaultTimeout);
    }

    [Fact]
    public async Task StronglyTypedHubAndHubContext()
    {
        await using var server = Create<TypedHub>();
        var a = await server.ConnectAsync();
        var b = await server.ConnectAsync();
        await a.SendAsync(Invocation(null, "Broadcast", "hi"));
        foreach (var c in new[] { a, b })
        {
            var m = await c.ReadNonPingAsync();
            Assert.Equal("Receive", m.GetProperty("target").GetString());
            Assert.Equal("[\"typed\",\"hi\"]", m.GetProperty("arguments").GetRawText());
        }

        await a.SendAsync(Invocation(null, "Renamed", "r"));
        Assert.Equal("renamedOnClient", (await a.ReadNonPingAsync()).GetProperty("target").GetString());

        var typedContext = server.Services.GetRequiredService<IHubContext<TypedHub, IChatClient>>();
        await typedContext.Clients.All.Receive("ctx", "hello");
        Assert.Equal("[\"ctx\",\"hello\"]", (await a.ReadNonPingAsync()).GetProperty("arguments").GetRawText());
        Assert.Equal("[\"ctx\",\"hello\"]", (await b.ReadNonPingAsync()).GetProperty("arguments").GetRawText());

        await a.SendAsync(Invocation("q", "AskCaller", "?"));
        var ask = await a.ReadNonPingAsync();
        Assert.Equal("Ask", ask.GetProperty("target").GetString());
        await a.SendAsync($"{{\"type\":3,\"invocationId\":\"{ask.GetProperty("invocationId").GetString()}\",\"result\":\"typed answer\"}}\u001e");
        Assert.Equal("typed answer", (await a.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task FiltersRunGlobalThenPerHubAroundInvocationsAndLifetime()
    {
        var log = new List<string>();
        await using var server = Create<TestHub>(
            o => o.AddFilter(new RecordingFilter("global", log)),
            services: s => s.AddSingleton(log),
            builder: b => b.AddHubOptions<TestHub>(o => o.AddFilter<TypedRecordingFilter>()));
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation("1", "Echo", "f"));
        Assert.Equal("f", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
        connection.CompleteInput();
        await connection.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);

        lock (log)
        {
            Assert.Equal(
                ["global:connected", "typed:connected", "global:before:Echo", "typed:before:Echo", "typed:after", "global:after", "global:disconnected", "typed:disconnected"],
                log);
        }
    }

    [Fact]
    public async Task PerHubOptionsFallBackToGlobalOnes()
    {
        await using var server = Create<TestHub>(
            o => { o.EnableDetailedErrors = true; o.MaximumParallelInvocationsPerClient = 3; },
            builder: b => b.AddHubOptions<TestHub>(o => o.KeepAliveInterval = TimeSpan.FromSeconds(5)));
        var options = server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HubOptions<TestHub>>>().Value;
        Assert.True(options.EnableDetailedErrors);
        Assert.Equal(3, options.MaximumParallelInvocationsPerClient);
        Assert.Equal(TimeSpan.FromSeconds(5), options.KeepAliveInterval);
        Assert.Equal(32 * 1024, options.MaximumReceiveMessageSize);
        Assert.Equal(["json"], options.SupportedProtocols);
    }

    [Fact]
    public void GlobalDefaultsMatchTheOfficialOnes()
    {
        using var services = new ServiceCollection().AddLogging().AddSignalRLite().Services.BuildServiceProvider();
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HubOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(15), options.HandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), options.KeepAliveInterval);
        Assert.Null(options.ClientTimeoutInterval); // as the official options read (the handler's default is 30 s); ApiParity/OptionDefaultsComparisonTests compares them all
        Assert.Equal(32 * 1024, options.MaximumReceiveMessageSize);
        Assert.Equal(10, options.StreamBufferCapacity);
        Assert.Equal(1, options.MaximumParallelInvocationsPerClient);
        Assert.Null(options.EnableDetailedErrors); // read as false
        Assert.False(options.DisableImplicitFromServicesParameters);
        Assert.Equal(100_000, options.StatefulReconnectBufferSize);
    }

    [Fact]
    public void MethodsDifferingOnlyByCaseAreRefusedAtStartup()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Create<CaseClashHub>());
        Assert.Contains("differ only by case", ex.Message);
    }

    public class CaseClashHub : Hub
    {
        public void Send()
        {
        }

        public void SEND()
        {
        }
    }

    private sealed class HeaderlessUserIdProvider : IUserIdProvider
    {
        public string? GetUserId(HubConnectionContext connection) => "custom-" + connection.ConnectionId;
    }

    private sealed class RecordingFilter(string name, List<string> log) : IHubFilter
    {
        private void Add(string entry)
        {
            lock (log)
            {
                log.Add($"{name}:{entry}");
            }
        }

        public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            Add("before:" + invocationContext.HubMethodName);
            var result = await next(invocationContext);
            Add("after");
            return result;
        }

        public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
        {
            Add("connected");
            return next(context);
        }

        public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
        {
            Add("disconnected");
            return next(context, exception);
        }
    }

    private sealed class TypedRecordingFilter(List<string> log) : IHubFilter
    {
        private readonly RecordingFilter _inner = new("typed", log);

        public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next) =>
            _inner.InvokeMethodAsync(invocationContext, next);

        public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next) => _inner.OnConnectedAsync(context, next);

        public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next) =>
            _inner.OnDisconnectedAsync(context, exception, next);
    }

    private sealed class CountingProtocol : IHubProtocol
    {
        private readonly JsonHubProtocol _inner = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new();

        public int Serialisations(string target) => _counts.GetValueOrDefault(target);

        public string Name => _inner.Name;

        public int Version => _inner.Version;

        public TransferFormat TransferFormat => _inner.TransferFormat;

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, out HubMessage? message) =>
            _inner.TryParseMessage(ref input, binder, out message);

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
        {
            Count(message);
            _inner.WriteMessage(message, output);
        }

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
        {
            Count(message);
            return _inner.GetMessageBytes(message);
        }

        public bool IsVersionSupported(int version) => _inner.IsVersionSupported(version);

        private void Count(HubMessage message)
        {
            if (message is InvocationMessage invocation)
            {
                _counts.AddOrUpdate(invocation.Target, 1, (_, n) => n + 1);
            }
        }
    }
}
