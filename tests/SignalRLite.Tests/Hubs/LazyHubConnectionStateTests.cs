using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SignalRLite.Internal.Hubs;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Transports;

namespace SignalRLite.Tests.Hubs;

/// <summary>
/// The hub layer's per-connection objects are created on first use (issue 14, idle memory): an idle connection has no
/// caller clients (nor their Caller/Others proxies), no dispatch state, no parser cache and no slow-consumer policy; each
/// works when it is created late, and concurrent first users all get the one object.
/// </summary>
public sealed class LazyHubConnectionStateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const string Handshake = "{\"protocol\":\"json\",\"version\":1}\u001e";
    private const int Parallel = 4;

    // ---------------------------------------------------------------- unit level

    [Fact]
    public void CallerClients_AreCreatedOnFirstRead_AndConcurrentFirstReadersGetOneObjectAndOneCallerProxy()
    {
        var hubClients = new HubClients<LazyHub>(new DefaultHubLifetimeManager<LazyHub>(NullLogger<DefaultHubLifetimeManager<LazyHub>>.Instance));
        for (var i = 0; i < 500; i++)
        {
            var context = new HubConnectionContext(new TestConnection(), new HubConnectionContextOptions(), NullLoggerFactory.Instance);
            Assert.Null(context.CallerClients); // no hub runs on it: nothing to build from
            context.SetHubClients(hubClients);
            Assert.False(context.CallerClientsCreated);

            // HubClients makes a new proxy per call, so two racing creators that both published would be seen here.
            var seen = Race(() =>
            {
                var clients = context.CallerClients!;
                return (clients, clients.Caller, clients.Others);
            });

            Assert.True(context.CallerClientsCreated);
            Assert.All(seen, s => Assert.Same(seen[0].clients, s.clients));
            Assert.All(seen, s => Assert.Same(seen[0].Caller, s.Caller));
            Assert.All(seen, s => Assert.Same(seen[0].Others, s.Others));
            Assert.Same(seen[0].clients, context.CallerClients);
        }
    }

    [Fact]
    public void DispatchStateAndParserCache_AreCreatedOnFirstUse_AndConcurrentFirstUsersGetOneObject()
    {
        for (var i = 0; i < 500; i++)
        {
            var context = new HubConnectionContext(new TestConnection(), new HubConnectionContextOptions { MaximumParallelInvocations = 3 }, NullLoggerFactory.Instance);
            Assert.Null(context.Invocations);
            Assert.False(context.InvocationMessagesCreated);

            var seen = Race(() => (context.GetInvocations(), context.InvocationMessages));

            Assert.All(seen, s => Assert.Same(seen[0].Item1, s.Item1));
            Assert.All(seen, s => Assert.Same(seen[0].Item2, s.Item2));
            Assert.Same(seen[0].Item1, context.Invocations);
            Assert.True(context.InvocationMessagesCreated);
        }
    }

    [Fact]
    public void AHubWithoutAContextFromAConnection_KeepsClientsAsSet()
    {
        using var hub = new LazyHub(new LazyProbe());
        Assert.Null(hub.Clients); // nothing set, no connection to take it from (as before: unset is null)

        var clients = new HubCallerClients(new HubClients<LazyHub>(new DefaultHubLifetimeManager<LazyHub>(NullLogger<DefaultHubLifetimeManager<LazyHub>>.Instance)), "c1");
        hub.Clients = clients;
        Assert.Same(clients, hub.Clients);
    }

    [Fact]
    public void ThePing_IsSerialisedOncePerProtocol_NotOncePerConnection()
    {
        var protocol = new SignalRLite.Protocol.JsonHubProtocol();
        var ping = HubConnectionLiveness.PingBytes(protocol);
        Assert.Equal("{\"type\":6}\u001e", System.Text.Encoding.UTF8.GetString(ping));
        Assert.Same(ping, HubConnectionLiveness.PingBytes(protocol));
    }

    // ---------------------------------------------------------------- over a real socket

    [Fact]
    [Trait("Category", "Integration")]
    public async Task AnIdleConnection_HasNoCallerClientsDispatchStateParserCacheOrQueuePolicy_AndEachIsMadeByItsFirstUse()
    {
        var probe = new LazyProbe();
        await using var host = await StartAsync(probe);
        using var socket = await host.ConnectRawWebSocketAsync("/hub");
        await socket.SendTextAsync(Handshake);
        Assert.Equal("{}\u001e", (await socket.ReceiveMessageAsync()).Text);
        var connection = await probe.Connected.Task.WaitAsync(Timeout);

        // The hub's OnConnectedAsync ran (it reads Context, not Clients) and the read loop waits: nothing was made.
        Assert.False(connection.CallerClientsCreated);
        Assert.Null(connection.Invocations);
        Assert.False(connection.InvocationMessagesCreated);
        Assert.False(connection.QueuePolicyCreated);

        // An invocation that does not read Clients makes the parser cache and the dispatch state, not the clients.
        await socket.SendTextAsync("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"hi\"]}\u001e");
        Assert.Contains("\"result\":\"hi\"", (await socket.ReceiveMessageAsync()).Text);
        Assert.True(connection.InvocationMessagesCreated);
        Assert.NotNull(connection.Invocations);
        Assert.False(connection.CallerClientsCreated);

        // Concurrent invocations that read Clients first at the same time all get the connection's one Caller. All of
        // them arrive only if the late-made dispatch state has the hub's limit of parallel invocations (not the default 1).
        for (var id = 2; id < 2 + Parallel; id++)
        {
            await socket.SendTextAsync($"{{\"type\":1,\"invocationId\":\"{id}\",\"target\":\"TouchClients\",\"arguments\":[]}}\u001e");
        }

        await probe.AllArrived.Task.WaitAsync(Timeout);
        Assert.False(connection.CallerClientsCreated);
        probe.Gate.TrySetResult();
        var answers = await ReceiveUntilAsync(socket, text => Count(text, "\"type\":3") >= Parallel);
        Assert.Equal(Parallel, Count(answers, "\"result\":\"ok\""));
        Assert.True(connection.CallerClientsCreated);
        Assert.Equal(Parallel, probe.Callers.Count);
        Assert.All(probe.Callers, caller => Assert.Same(connection.CallerClients!.Caller, caller));

        // The late-made Caller reaches the client.
        await socket.SendTextAsync("{\"type\":1,\"invocationId\":\"9\",\"target\":\"PingCaller\",\"arguments\":[]}\u001e");
        var received = await ReceiveUntilAsync(socket, text => text.Contains("\"invocationId\":\"9\"", StringComparison.Ordinal));
        Assert.Contains("\"target\":\"pong\"", received);
    }

    private static Task<HubAppHost> StartAsync(LazyProbe probe) => HubAppHost.StartAsync(
        HubHostKind.Kestrel,
        services =>
        {
            services.AddSignalRLite(o => o.MaximumParallelInvocationsPerClient = Parallel);
            services.AddSingleton(probe);
        },
        app =>
        {
            app.UseWebSockets();
            app.MapHub<LazyHub>("/hub");
        });

    private static async Task<string> ReceiveUntilAsync(System.Net.WebSockets.WebSocket socket, Func<string, bool> done)
    {
        var text = "";
        while (!done(text))
        {
            text += (await socket.ReceiveMessageAsync(Timeout)).Text;
        }

        return text;
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Runs <paramref name="read"/> on <see cref="Parallel"/> threads released together; returns what each got.</summary>
    private static T[] Race<T>(Func<T> read)
    {
        var results = new T[Parallel];
        using var start = new Barrier(Parallel);
        var threads = Enumerable.Range(0, Parallel).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = read();
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        return results;
    }

    public sealed class LazyProbe
    {
        private int _arrived;

        public TaskCompletionSource<HubConnectionContext> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource AllArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentBag<ISingleClientProxy> Callers { get; } = [];

        public void Arrived()
        {
            if (Interlocked.Increment(ref _arrived) == Parallel)
            {
                AllArrived.TrySetResult();
            }
        }
    }

    public sealed class LazyHub(LazyProbe probe) : Hub
    {
        public override Task OnConnectedAsync()
        {
            probe.Connected.TrySetResult(((DefaultHubCallerContext)Context).Connection);
            return Task.CompletedTask;
        }

        public string Echo(string text) => text;

        public async Task<string> TouchClients()
        {
            probe.Arrived();
            await probe.Gate.Task;
            probe.Callers.Add(Clients.Caller);
            _ = Clients.Others;
            return "ok";
        }

        public Task PingCaller() => Clients.Caller.SendAsync("pong", 1);
    }
}
