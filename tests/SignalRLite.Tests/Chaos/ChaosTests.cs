using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using SignalRLite.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Chaos;

/// <summary>
/// Three SignalRLite server processes (tests/SignalRLite.ChaosServer) on the Redis backplane, a redis-server of their
/// own, official clients on each server, and one fault per test: a server killed, Redis stopped, Redis restarted, a
/// client that stops reading. Each test ends by checking that no server grew without bound and none logged an error
/// that the fault does not explain. Figures (recovery times) go to the test output; docs/scale-out.md quotes them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ChaosTests(ITestOutputHelper output)
{
    /// <summary>The chaos server's RedisOptions.Configuration.AsyncTimeout: a publish Redis does not answer fails after it.</summary>
    private static readonly TimeSpan RedisTimeout = TimeSpan.FromMilliseconds(2000);

    /// <summary>Slack on top of a timeout for StackExchange.Redis's 1 s timeout check and a loaded CI machine.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private static readonly Regex RedisConnectionFailed = new("Connection to Redis failed", RegexOptions.CultureInvariant);
    private static readonly Regex RedisError = new(@"Redis error:", RegexOptions.CultureInvariant);
    private static readonly Regex HubMethodFailed = new(@"Failed to invoke hub method 'All'", RegexOptions.CultureInvariant);

    [Fact]
    public async Task KilledServerDuringBroadcastStorm_OthersKeepDelivering_ItsClientsReconnectElsewhere()
    {
        await using var cluster = await ChaosCluster.StartAsync(output, clientsPerServer: 3);
        var (s0, s1, s2) = (cluster.Servers[0], cluster.Servers[1], cluster.Servers[2]);
        const int Count = 2000;

        var storms = new[] { s0, s1, s2 }.Select(s => s.StormAsync("storm-" + s.Name, Count, 64)).ToArray();

        // Kill server2 in the middle of the storms (once a client far from it has seen part of each).
        var watcher = cluster.ClientsOf(s0)[0];
        await Task.WhenAll(cluster.Servers.Select(s => watcher.WaitForCountAsync("storm-" + s.Name, 200, Long)));
        var killedAt = DateTime.UtcNow;
        await s2.KillAsync();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => storms[2]);

        // The other servers go on: each of their clients gets every message of their storms, in order.
        Assert.Equal(Count.ToString(System.Globalization.CultureInfo.InvariantCulture), await storms[0]);
        Assert.Equal(Count.ToString(System.Globalization.CultureInfo.InvariantCulture), await storms[1]);
        var survivors = cluster.ClientsOf(s0).Concat(cluster.ClientsOf(s1)).ToArray();
        foreach (var client in survivors)
        {
            foreach (var tag in new[] { "storm-server0", "storm-server1" })
            {
                await client.WaitForCountAsync(tag, Count, Long);
                Assert.Empty(client.OrderErrors(tag));
                Assert.Equal(Count, client.Received(tag));
            }

            Assert.Equal(0, client.Reconnectings);
            Assert.Equal(HubConnectionState.Connected, client.Connection.State);
        }

        // Server2's clients reconnect, to a surviving server, and receive from both.
        var orphans = cluster.ClientsOf(s2);
        var reconnectedAt = await Task.WhenAll(orphans.Select(c => c.Reconnected.Task.WaitAsync(Long)));
        var reconnectTime = reconnectedAt.Max() - killedAt;
        output.WriteLine($"kill -9: {orphans.Length} clients reconnected elsewhere within {reconnectTime.TotalMilliseconds:F0} ms of the kill");
        foreach (var orphan in orphans)
        {
            Assert.NotEqual(s2.HubUrl, orphan.CurrentServer);
            Assert.Equal(HubConnectionState.Connected, orphan.Connection.State);
        }

        await cluster.DeliverEverywhereAsync(cluster.ClientsOf(s0)[1], "after-kill-0", Long);
        await cluster.DeliverEverywhereAsync(cluster.ClientsOf(s1)[1], "after-kill-1", Long);
        await cluster.DeliverEverywhereAsync(orphans[0], "after-kill-orphan", Long);
        cluster.AssertHealthy();
    }

    [Fact]
    public async Task RedisStoppedForTenSeconds_SendsFailFastAndAreCounted_HubMethodsDoNotBlock_AllRecoversOnContinue()
    {
        await using var cluster = await ChaosCluster.StartAsync(output, clientsPerServer: 2);
        var publishedBefore = await Task.WhenAll(cluster.Servers.Select(PublishesAsync));

        await Signal("STOP", cluster.Redis.ProcessId);
        var stoppedFor = Stopwatch.StartNew();
        // The scenario's duration: Redis stays stopped for 10 s (this delay is the fault, not a synchronisation; the
        // servers are separate processes on the real clock, and Redis's own timeouts are what is exercised).
        var period = TestWaits.RealTimeAsync(TimeSpan.FromSeconds(10));

        // Meanwhile each server's first client keeps broadcasting (through Redis) and its second calls a method that
        // needs no Redis. Sends started in the first 10 s - timeout - slack must fail before Redis comes back.
        var lastStart = TimeSpan.FromSeconds(10) - RedisTimeout - Slack;
        var perServer = await Task.WhenAll(cluster.Servers.Select(async server =>
        {
            var (sender, pinger) = (cluster.ClientsOf(server)[0], cluster.ClientsOf(server)[1]);
            var failures = new List<(TimeSpan Took, string Message)>();
            var pings = new List<TimeSpan>();
            var pinging = Task.Run(async () =>
            {
                // A call every 100 ms (pacing, not synchronisation): each must answer while Redis is stopped.
                using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
                while (stoppedFor.Elapsed < lastStart && await pace.WaitForNextTickAsync())
                {
                    var ping = Stopwatch.StartNew();
                    Assert.Equal("p", await pinger.Connection.InvokeAsync<string>("Ping", "p").WaitAsync(Long));
                    pings.Add(ping.Elapsed);
                }
            });
            for (var i = 0; stoppedFor.Elapsed < lastStart; i++)
            {
                var send = Stopwatch.StartNew();
                var error = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(
                    () => sender.Connection.InvokeAsync("All", "stalled", $"s{i}").WaitAsync(Long));
                failures.Add((send.Elapsed, error.Message));
            }

            await pinging;
            return (Server: server, Failures: failures, Pings: pings);
        }));

        await period;
        await Signal("CONT", cluster.Redis.ProcessId);
        var continued = Stopwatch.StartNew();

        // Everything recovers: a broadcast from every server reaches every client on every server.
        var recovery = TimeSpan.Zero;
        foreach (var server in cluster.Servers)
        {
            await cluster.DeliverEverywhereAsync(cluster.ClientsOf(server)[0], "after-stop-" + server.Name, Long);
            recovery = continued.Elapsed;
        }

        foreach (var (server, failures, pings) in perServer)
        {
            output.WriteLine($"SIGSTOP: {server.Name}: {failures.Count} sends failed, slowest after {failures.Max(f => f.Took).TotalMilliseconds:F0} ms; " +
                $"{pings.Count} pings, slowest {pings.DefaultIfEmpty().Max().TotalMilliseconds:F0} ms; first error: {failures[0].Message}");
            Assert.NotEmpty(failures);
            Assert.All(failures, f => Assert.True(f.Took < RedisTimeout + Slack, $"A failing send took {f.Took} (timeout {RedisTimeout})."));
            Assert.All(failures, f => Assert.Contains("Redis", f.Message, StringComparison.Ordinal));
            Assert.NotEmpty(pings);
            // Not held up by Redis at all; the slack only covers a loaded machine (1 s stalls of the test process were seen).
            Assert.All(pings, p => Assert.True(p < RedisTimeout + Slack, $"A hub method that needs no Redis took {p} while Redis was stopped."));

            // Counted: each failed send is a failed invocation in the core's metric (signalrlite.server.invocations,
            // outcome "unhandled"), and its publish is logged (PublishFailed, a warning) by the server that made it.
            Assert.Equal(failures.Count, (await server.MetricsAsync()).GetValueOrDefault("signalrlite.server.invocations;All;unhandled"));
            await server.WaitForLineAsync(l => l.Contains("Failed to publish to Redis channel", StringComparison.Ordinal), failures.Count, Long);
        }

        output.WriteLine($"SIGSTOP: every server delivered everywhere {recovery.TotalMilliseconds:F0} ms after SIGCONT");
        var publishedAfter = await Task.WhenAll(cluster.Servers.Select(PublishesAsync));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(publishedAfter[i] > publishedBefore[i], $"{cluster.Servers[i].Name} counted no publish after recovery.");
        }

        var stalledDelivered = cluster.Clients.Sum(c => c.Received("stalled"));
        output.WriteLine($"SIGSTOP: {stalledDelivered} deliveries of sends that had failed (Redis ran the queued publishes on SIGCONT)");
        AssertNoClientDropped(cluster);
        cluster.AssertHealthy(RedisConnectionFailed, RedisError, HubMethodFailed);
    }

    [Fact]
    public async Task RedisRestartedOnSamePort_NoClientDropped_DeliveryResumes()
    {
        await using var cluster = await ChaosCluster.StartAsync(output, clientsPerServer: 2);

        await cluster.Redis.KillAsync();
        var down = Stopwatch.StartNew();
        await cluster.Redis.RestartAsync();
        output.WriteLine($"restart: redis-server was down for {down.Elapsed.TotalMilliseconds:F0} ms");
        var restarted = Stopwatch.StartNew();
        await Task.WhenAll(cluster.Servers.Select(async server =>
        {
            await server.WaitForLineAsync(l => l.Contains("Connection to Redis restored (Subscription", StringComparison.Ordinal), 1, Long);
            output.WriteLine($"restart: {server.Name} had its pub/sub connection back {restarted.Elapsed.TotalMilliseconds:F0} ms after Redis was ready again");
        }));
        foreach (var server in cluster.Servers)
        {
            await cluster.DeliverEverywhereAsync(cluster.ClientsOf(server)[0], "after-restart-" + server.Name, Long);
        }

        output.WriteLine($"restart: every server delivered everywhere {restarted.Elapsed.TotalMilliseconds:F0} ms after Redis was ready again");
        AssertNoClientDropped(cluster);
        cluster.AssertHealthy(RedisConnectionFailed, RedisError, HubMethodFailed);
    }

    [Fact]
    public async Task ClientThatStopsReading_IsClosedAsSlowConsumer_OthersReceiveEverything()
    {
        await using var cluster = await ChaosCluster.StartAsync(output, clientsPerServer: 2);
        var (s0, s1) = (cluster.Servers[0], cluster.Servers[1]);
        using var stalled = await StalledWebSocketClient.ConnectAsync(s0.HubUrl);
        const int Count = 6000;

        // A storm from server1 reaches server0 through Redis; the stalled client's buffers fill, then its queue.
        var storm = Stopwatch.StartNew();
        Assert.Equal(Count.ToString(System.Globalization.CultureInfo.InvariantCulture), await s1.StormAsync("storm", Count, 1000));
        await s0.WaitForLineAsync(l => l.Contains("is closing as a slow consumer", StringComparison.Ordinal), 1, Long);
        foreach (var client in cluster.Clients)
        {
            await client.WaitForCountAsync("storm", Count, Long);
            Assert.Empty(client.OrderErrors("storm"));
        }

        output.WriteLine($"slow consumer: {Count} x 1 KB delivered to {cluster.Clients.Count} clients in {storm.Elapsed.TotalMilliseconds:F0} ms; the stalled one closed");
        Assert.Equal(1, (await s0.MetricsAsync()).GetValueOrDefault("signalrlite.server.slow_consumer_closes"));

        // The stalled client finds its connection gone once it reads again (what is buffered, then the end).
        await stalled.DrainUntilClosedAsync(Long);
        await cluster.DeliverEverywhereAsync(cluster.ClientsOf(s0)[0], "after-slow", Long);
        AssertNoClientDropped(cluster);
        cluster.AssertHealthy();
    }

    private static void AssertNoClientDropped(ChaosCluster cluster)
    {
        foreach (var client in cluster.Clients)
        {
            Assert.False(client.Closed.Task.IsCompleted, $"{client.Name} was closed.");
            Assert.Equal(0, client.Reconnectings);
            Assert.Equal(HubConnectionState.Connected, client.Connection.State);
        }
    }

    private static async Task<long> PublishesAsync(ChaosServerProcess server) =>
        (await server.MetricsAsync()).GetValueOrDefault("signalrlite.redis.publishes");

    /// <summary>kill -SIGNAL pid.</summary>
    private static async Task Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>A raw WebSocket client (small receive buffer) that completes the handshake, then reads nothing.</summary>
    private sealed class StalledWebSocketClient : IDisposable
    {
        private readonly ClientWebSocket _socket;
        private readonly HttpMessageInvoker _invoker;

        private StalledWebSocketClient(ClientWebSocket socket, HttpMessageInvoker invoker)
        {
            _socket = socket;
            _invoker = invoker;
        }

        public static async Task<StalledWebSocketClient> ConnectAsync(Uri hub)
        {
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
            var invoker = new HttpMessageInvoker(handler);
            var socket = new ClientWebSocket();
            var ws = new UriBuilder(hub) { Scheme = "ws" }.Uri;
            await socket.ConnectAsync(ws, invoker, CancellationToken.None).WaitAsync(Long);
            await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[1024];
            var handshake = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Long);
            Assert.Equal("{}\u001e", Encoding.UTF8.GetString(buffer, 0, handshake.Count));
            return new StalledWebSocketClient(socket, invoker);
        }

        public async Task DrainUntilClosedAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var result = await _socket.ReceiveAsync(buffer.AsMemory(), cts.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                }
            }
            catch (WebSocketException)
            {
                // Aborted by the server: the end of the connection.
            }
        }

        public void Dispose()
        {
            _socket.Dispose();
            _invoker.Dispose();
        }
    }
}
