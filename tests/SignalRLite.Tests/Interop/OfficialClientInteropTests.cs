using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Hubs;
using SignalRLite.Tests.Infrastructure;
using ClientHubException = Microsoft.AspNetCore.SignalR.HubException;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Interop;

[Trait("Category", "Integration")]
public class OfficialClientInteropTests
{
    public static TheoryData<HubHostKind, ClientTransport> HostsAndTransports => new()
    {
        { HubHostKind.TestHost, ClientTransport.WebSockets },
        { HubHostKind.Kestrel, ClientTransport.WebSockets },
        { HubHostKind.Kestrel, ClientTransport.ServerSentEvents },
        { HubHostKind.Kestrel, ClientTransport.LongPolling },
        { HubHostKind.TestHost, ClientTransport.LongPolling },
    };

    [Theory]
    [MemberData(nameof(HostsAndTransports))]
    public async Task InvokeSendAndReceiveOverEveryTransport(HubHostKind kind, ClientTransport transport)
    {
        await using var host = await InteropHost.StartAsync(kind);
        var client = await host.ConnectAsync("/hub", transport);
        var inbox = new Inbox(client);

        Assert.Equal("hi", await client.InvokeAsync<string>("Echo", "hi"));
        Assert.Equal(5, await client.InvokeAsync<int>("Add", 2, 3));
        await client.InvokeAsync("Void");
        await client.SendAsync("ToCaller", "fire-and-forget");
        Assert.Equal(("caller", "fire-and-forget"), await inbox.NextAsync());
        Assert.Equal("/hub", await client.InvokeAsync<string>("HttpPath"));
    }

    [Theory]
    [InlineData(HubHostKind.TestHost)]
    [InlineData(HubHostKind.Kestrel)]
    public async Task ArgumentsAndResultsBind(HubHostKind kind)
    {
        await using var host = await InteropHost.StartAsync(kind);
        var client = await host.ConnectAsync("/hub");

        Assert.Equal("Ann:30", await client.InvokeAsync<string>("DescribePerson", new Person("Ann", 30)));
        Assert.Equal(new Person("Bo", 4), await client.InvokeAsync<Person>("MakePerson", "Bo", 4));
        Assert.Equal(new[] { 3, 2, 1 }, await client.InvokeAsync<int[]>("Reverse", new[] { 1, 2, 3 }));
        Assert.Null(await client.InvokeAsync<int?>("Nullable", (int?)null));
        Assert.Equal(7, await client.InvokeAsync<int?>("Nullable", 7));
        Assert.Equal(Mood.Happy, await client.InvokeAsync<Mood>("EchoMood", Mood.Happy));
        Assert.Equal("{\"a\":[1,true]}", await client.InvokeAsync<string>("Raw", JsonDocument.Parse("{\"a\":[1,true]}").RootElement));
        Assert.Equal("JsonElement", await client.InvokeAsync<string>("TypeOf", 42));
        Assert.Equal(7, await client.InvokeAsync<int>("CountAll", new List<Person> { new("a", 1) }, new Dictionary<string, int> { ["x"] = 6 }));
        Assert.Equal(10, await client.InvokeAsync<int>("AddAsync", 4, 6));
        Assert.Equal("vt", await client.InvokeAsync<string>("ValueTaskEcho", "vt"));

        var person = await client.InvokeAsync<JsonElement>("MakePerson", "Cy", 5);
        Assert.Equal("Cy", person.GetProperty("name").GetString());
    }

    [Fact]
    public async Task ConfiguredSerializerOptionsApply()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost, signalR: b => b.AddJsonProtocol(o => o.PayloadSerializerOptions.PropertyNamingPolicy = null));
        var client = await host.ConnectAsync("/hub");
        var person = await client.InvokeAsync<JsonElement>("MakePerson", "Cy", 5);
        Assert.Equal("Cy", person.GetProperty("Name").GetString());
    }

    [Fact]
    public async Task MethodNamesDependencyInjectionAndCaseFallback()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost);
        var client = await host.ConnectAsync("/hub");
        Assert.Equal("renamed-ok", await client.InvokeAsync<string>("renamed"));
        Assert.Equal("hello z", await client.InvokeAsync<string>("Greet", "z"));
        Assert.Equal("lower", await client.InvokeAsync<string>("echo", "lower"));
    }

    [Fact]
    public async Task ErrorsReachTheClientAndKeepTheConnectionOpen()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost);
        var client = await host.ConnectAsync("/hub");

        var generic = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync("Throw"));
        Assert.Equal("An unexpected error occurred invoking 'Throw' on the server.", generic.Message);
        var hub = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync("ThrowHub"));
        Assert.Equal("An unexpected error occurred invoking 'ThrowHub' on the server. HubException: boom", hub.Message);
        var unknown = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync("Nope"));
        Assert.Equal("Failed to invoke 'Nope' due to an error on the server. HubException: Method does not exist.", unknown.Message);
        var arity = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync("Add", 1));
        Assert.Equal("Failed to invoke 'Add' due to an error on the server.", arity.Message);

        Assert.Equal(HubConnectionState.Connected, client.State);
        Assert.Equal("still", await client.InvokeAsync<string>("Echo", "still"));
    }

    [Fact]
    public async Task DetailedErrorsIncludeExceptionMessages()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost, o => o.EnableDetailedErrors = true);
        var client = await host.ConnectAsync("/hub");
        var ex = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync("ThrowAsync"));
        Assert.Equal("An unexpected error occurred invoking 'ThrowAsync' on the server. ArgumentException: async secret", ex.Message);
    }

    [Theory]
    [InlineData(HubHostKind.TestHost)]
    [InlineData(HubHostKind.Kestrel)]
    public async Task ClientsTargetsGroupsAndUsers(HubHostKind kind)
    {
        await using var host = await InteropHost.StartAsync(kind);
        var a = await host.ConnectAsync("/hub", user: "alice");
        var b = await host.ConnectAsync("/hub", user: "bob");
        var c = await host.ConnectAsync("/hub", transport: kind == HubHostKind.Kestrel ? ClientTransport.LongPolling : ClientTransport.WebSockets, user: "alice");
        var clients = new[] { a, b, c };
        var inboxes = clients.Select(x => new Inbox(x)).ToArray();
        await a.InvokeAsync("JoinGroup", "g");
        await b.InvokeAsync("JoinGroup", "g");

        async Task<bool[]> Who(Func<Task> action, string kindName)
        {
            await action();
            await host.Services.GetRequiredService<IHubContext<TestHub>>().Clients.All.SendAsync("Receive", "marker", "-");
            var result = new bool[3];
            for (var i = 0; i < 3; i++)
            {
                var kinds = await inboxes[i].UntilMarkerAsync();
                result[i] = kinds.Contains(kindName);
                Assert.All(kinds, k => Assert.Equal(kindName, k));
            }

            return result;
        }

        Assert.Equal(new[] { true, true, true }, await Who(() => b.InvokeAsync("ToAll", "m"), "all"));
        Assert.Equal(new[] { true, false, true }, await Who(() => b.InvokeAsync("ToOthers", "m"), "others"));
        Assert.Equal(new[] { true, true, false }, await Who(() => c.InvokeAsync("ToGroup", "g", "m"), "group"));
        Assert.Equal(new[] { false, true, false }, await Who(() => a.InvokeAsync("ToOthersInGroup", "g", "m"), "othersingroup"));
        Assert.Equal(new[] { true, false, true }, await Who(() => b.InvokeAsync("ToUser", "alice", "m"), "user"));
        Assert.Equal(new[] { false, false, true }, await Who(() => a.InvokeAsync("ToClient", c.ConnectionId, "m"), "client"));
        Assert.Equal("alice", await c.InvokeAsync<string>("WhoAmI"));

        await a.InvokeAsync("LeaveGroup", "g");
        Assert.Equal(new[] { false, true, false }, await Who(() => c.InvokeAsync("ToGroup", "g", "m"), "group"));

        using var http = host.CreateHttpClient();
        (await http.PostAsync(new Uri(host.BaseAddress, "/notify?m=from-endpoint"), null)).EnsureSuccessStatusCode();
        foreach (var inbox in inboxes)
        {
            Assert.Equal(("endpoint", "from-endpoint"), await inbox.NextAsync());
        }
    }

    [Fact]
    public async Task HubContextsWorkFromABackgroundService()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost, services: s =>
        {
            s.AddSingleton<BroadcastRequest>();
            s.AddHostedService<Broadcaster>();
        });
        var plain = await host.ConnectAsync("/hub");
        var typed = await host.ConnectAsync("/typed");
        var plainInbox = new Inbox(plain);
        var typedInbox = new Inbox(typed);

        // A round trip on each connection: the handshake is answered before the connection joins the lifetime manager.
        Assert.Equal("ready", await plain.InvokeAsync<string>("Echo", "ready"));
        await typed.InvokeAsync("Renamed", "ready");

        host.Services.GetRequiredService<BroadcastRequest>().Go.TrySetResult();
        Assert.Equal(("background", "plain"), await plainInbox.NextAsync());
        Assert.Equal(("background", "typed"), await typedInbox.NextAsync());
    }

    private sealed class BroadcastRequest
    {
        public Signal Go { get; } = new();
    }

    private sealed class Broadcaster(BroadcastRequest request, IHubContext<TestHub> plain, IHubContext<TypedHub, IChatClient> typed) : Microsoft.Extensions.Hosting.BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await request.Go.Task.WaitAsync(stoppingToken);
            await plain.Clients.All.SendAsync("Receive", "background", "plain", stoppingToken);
            await typed.Clients.All.Receive("background", "typed");
        }
    }

    [Fact]
    public async Task StronglyTypedHub()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost);
        var client = await host.ConnectAsync("/typed");
        var received = new Signal<string>();
        var renamed = new Signal<string>();
        client.On<string, string>("Receive", (from, m) => received.TrySetResult(from + ":" + m));
        client.On<string>("renamedOnClient", m => renamed.TrySetResult(m));
        client.On<string, string>("Ask", q => "answer to " + q);

        await client.InvokeAsync("Broadcast", "hey");
        Assert.Equal("typed:hey", await received.WaitAsync());
        await client.InvokeAsync("Renamed", "r");
        Assert.Equal("r", await renamed.WaitAsync());
        Assert.Equal("answer to q", await client.InvokeAsync<string>("AskCaller", "q"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task MaximumParallelInvocationsPerClientIsHonoured(int limit)
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel, o => o.MaximumParallelInvocationsPerClient = limit);
        var probe = host.Probe();
        var client = await host.ConnectAsync("/hub");
        var calls = new[] { "a", "b", "c" }.Select(k => client.InvokeAsync<string>("Gate", k)).ToArray();

        for (var i = 0; i < limit; i++)
        {
            await probe.Started(((char)('a' + i)).ToString()).WaitAsync();
        }

        // The client's Ping/Echo still get through while invocations are queued: proof that the reader is not blocked.
        var unknown = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync("Nope"));
        Assert.Contains("Method does not exist", unknown.Message);
        Assert.False(probe.Started("c").Task.IsCompleted);

        // Finishing "a" frees one slot: the next queued invocation, in arrival order, starts.
        probe.Gate("a").TrySetResult();
        await probe.Started(((char)('a' + limit)).ToString()).WaitAsync();
        probe.Gate("b").TrySetResult();
        probe.Gate("c").TrySetResult();
        Assert.Equal(["a", "b", "c"], await Task.WhenAll(calls));
        Assert.Equal(limit, probe.MaxRunning);
    }

    [Fact]
    public async Task ConnectedAndDisconnectedCallbacksRunOnce()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost);
        var probe = host.Probe();
        var client = await host.ConnectAsync("/hub");
        Assert.Equal(client.ConnectionId, await probe.Connected.WaitAsync());
        await client.StopAsync();
        Assert.Null(await probe.Disconnected.WaitAsync());
        Assert.Equal(1, probe.ConnectedCount);
        Assert.Equal(1, probe.DisconnectedCount);
    }

    [Fact]
    public async Task StreamsInBothDirectionsAndClientResults()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var client = await host.ConnectAsync("/hub");

        var items = new List<int>();
        await foreach (var item in client.StreamAsync<int>("Counter", 5))
        {
            items.Add(item);
        }

        Assert.Equal([0, 1, 2, 3, 4], items);

        var upload = Channel.CreateUnbounded<int>();
        var sum = client.InvokeAsync<int>("Sum", upload.Reader);
        for (var i = 1; i <= 4; i++)
        {
            await upload.Writer.WriteAsync(i);
        }

        upload.Writer.Complete();
        Assert.Equal(10, await sum);

        client.On<string, string>("Ask", q => "A:" + q);
        Assert.Equal("A:q", await client.InvokeAsync<string>("AskCaller", "q"));

        using var cts = new CancellationTokenSource();
        var count = 0;
        try
        {
            await foreach (var _ in client.StreamAsync<int>("Infinite", "inf", cts.Token))
            {
                if (++count == 3)
                {
                    cts.Cancel();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The official client ends a cancelled stream with this exception.
        }

        // The server stopped producing: the method's token was cancelled and its finally block ran.
        await host.Probe().Exited("inf").WaitAsync();
        Assert.Contains("end:inf", host.Probe().Events);

        Assert.Equal(3, count);
        Assert.Equal("open", await client.InvokeAsync<string>("Echo", "open"));
    }

    [Fact]
    public async Task MessagePackProtocol()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel, signalR: b => b.AddMessagePackProtocol());
        var client = await host.ConnectAsync("/hub", configure: b => b.AddMessagePackProtocol());
        var inbox = new Inbox(client);
        Assert.Equal(5, await client.InvokeAsync<int>("Add", 2, 3));
        Assert.Null(await client.InvokeAsync<string?>("Null"));
        await client.InvokeAsync("ToAll", "mp");
        Assert.Equal(("all", "mp"), await inbox.NextAsync());
        var items = new List<int>();
        await foreach (var item in client.StreamAsync<int>("Counter", 3))
        {
            items.Add(item);
        }

        Assert.Equal([0, 1, 2], items);
        var ex = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync("Throw"));
        Assert.Equal("An unexpected error occurred invoking 'Throw' on the server.", ex.Message);
    }

    [Fact]
    public async Task MessagePackOverServerSentEventsIsRefused()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel, signalR: b => b.AddMessagePackProtocol());
        var client = host.CreateClient("/hub", ClientTransport.ServerSentEvents, configure: b => b.AddMessagePackProtocol());
        await Assert.ThrowsAnyAsync<Exception>(() => client.StartAsync());
        var json = await host.ConnectAsync("/hub", ClientTransport.ServerSentEvents);
        Assert.Equal("ok", await json.InvokeAsync<string>("Echo", "ok"));
    }

    [Fact]
    public async Task AuthorizationFromHubAttributeAndFromRequireAuthorization()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost);
        foreach (var path in new[] { "/secure", "/guarded" })
        {
            var anonymous = host.CreateClient(path);
            var ex = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);

            // The connection endpoint itself is protected too, not only negotiate.
            var skipping = host.CreateClient(path, skipNegotiation: true);
            await Assert.ThrowsAnyAsync<Exception>(() => skipping.StartAsync());
            Assert.Equal(0, host.Probe().ConnectedCount);

            var authenticated = await host.ConnectAsync(path, user: "erin");
            Assert.Equal("erin", await authenticated.InvokeAsync<string>("WhoAmI"));
        }

        var open = await host.ConnectAsync("/hub");
        Assert.Null(await open.InvokeAsync<string?>("WhoAmI"));
    }

    [Fact]
    public async Task ServerKeepAliveKeepsAnIdleClientConnected()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost, o => o.KeepAliveInterval = TimeSpan.FromMilliseconds(100));
        // Pings every 100 ms against a client server timeout of 3 s: only a scheduling stall of ~3 s on a loaded CI
        // machine could close it, while a server that stopped pinging is closed by the client within the idle time.
        var client = await host.ConnectAsync("/hub", configure: b => b.WithServerTimeout(TimeSpan.FromSeconds(3)));
        var closed = new Signal<Exception?>();
        client.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };

        // Idle for longer than the client's server timeout: only the server's pings keep it alive. (The wait is the
        // idle time under test, not a synchronisation: the official client measures it on the real clock and takes no
        // TimeProvider.)
        await Task.WhenAny(closed.Task, TestWaits.RealTimeAsync(TimeSpan.FromSeconds(4)));
        Assert.False(closed.Task.IsCompleted);
        Assert.Equal("alive", await client.InvokeAsync<string>("Echo", "alive"));
    }

    [Fact]
    public async Task SilentClientIsClosedAfterClientTimeout()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.TestHost, o => o.ClientTimeoutInterval = TimeSpan.FromMilliseconds(500));
        var client = await host.ConnectAsync("/hub", configure: b => b.WithKeepAliveInterval(TimeSpan.FromSeconds(20)).WithServerTimeout(TimeSpan.FromSeconds(40)));
        var closed = new Signal<Exception?>();
        client.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        var error = await closed.WaitAsync();
        Assert.NotNull(error);
        Assert.Contains("Connection closed with an error.", error!.Message);
    }

    [Fact]
    public async Task OversizedMessageClosesOnlyThatConnection()
    {
        // The limit is named with detailed errors only, as on the official server.
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel, o =>
        {
            o.MaximumReceiveMessageSize = 1000;
            o.EnableDetailedErrors = true;
        });
        var big = await host.ConnectAsync("/hub");
        var other = await host.ConnectAsync("/hub");
        var closed = new Signal<Exception?>();
        big.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };

        _ = big.InvokeAsync<string>("Echo", new string('x', 2000)).ContinueWith(_ => { }, TaskScheduler.Default);
        var error = await closed.WaitAsync();
        Assert.Contains("maximum message size of 1000B was exceeded", error!.Message);
        Assert.Equal("fine", await other.InvokeAsync<string>("Echo", "fine"));
    }

    [Fact]
    public async Task BadInputClosesOnlyTheOffendingConnectionWithAReason()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var good = await host.ConnectAsync("/hub");

        // Garbage handshake.
        using (var socket = await host.ConnectRawWebSocketAsync("/hub"))
        {
            await SendTextAsync(socket, "garbage\u001e");
            var messages = await ReceiveUntilCloseAsync(socket);
            Assert.Equal("{\"error\":\"An unexpected error occurred during connection handshake.\"}\u001e", string.Concat(messages));
        }

        // Malformed JSON after a good handshake.
        using (var socket = await host.ConnectRawWebSocketAsync("/hub"))
        {
            await SendTextAsync(socket, "{\"protocol\":\"json\",\"version\":1}\u001e");
            await SendTextAsync(socket, "{\"type\":1,\"target\":\u001e");
            var all = string.Concat(await ReceiveUntilCloseAsync(socket));
            Assert.StartsWith("{}\u001e", all);
            Assert.Contains("{\"type\":7,\"error\":\"Connection closed with an error.\",\"allowReconnect\":true}\u001e", all);
        }

        // JSON in a Binary frame is accepted: frame opcodes do not matter to the hub layer.
        using (var socket = await host.ConnectRawWebSocketAsync("/hub"))
        {
            await SendTextAsync(socket, "{\"protocol\":\"json\",\"version\":1}\u001e");
            await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"bin\"]}\u001e"), WebSocketMessageType.Binary, true, CancellationToken.None);
            var text = new StringBuilder();
            while (!text.ToString().Contains("\"result\""))
            {
                text.Append(await ReceiveTextAsync(socket));
            }

            Assert.Contains("{\"type\":3,\"invocationId\":\"1\",\"result\":\"bin\"}", text.ToString());
        }

        Assert.Equal("unaffected", await good.InvokeAsync<string>("Echo", "unaffected"));
    }

    private static Task SendTextAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        using var cts = new CancellationTokenSource(TestConnection.DefaultTimeout);
        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, cts.Token);
        return result.MessageType == WebSocketMessageType.Close ? "" : Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private static async Task<List<string>> ReceiveUntilCloseAsync(WebSocket socket)
    {
        using var cts = new CancellationTokenSource(TestConnection.DefaultTimeout);
        var buffer = new byte[4096];
        var messages = new List<string>();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                Assert.Equal(WebSocketCloseStatus.NormalClosure, result.CloseStatus);
                return messages;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
            if (text != "{\"type\":6}\u001e")
            {
                messages.Add(text);
            }
        }
    }
}
