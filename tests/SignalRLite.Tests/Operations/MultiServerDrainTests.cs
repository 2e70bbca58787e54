using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Tests.Chaos;
using SignalRLite.Tests.Redis;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Operations;

/// <summary>Alone: 1,000 clients and three server processes would skew the timing of other tests, and theirs this one's pace.</summary>
[CollectionDefinition(nameof(MultiServerDrainTests), DisableParallelization = true)]
public sealed class MultiServerDrainCollection
{
}

/// <summary>
/// The graceful drain across servers: three tests/SignalRLite.ChaosServer processes (Redis backplane, AddGracefulDrain)
/// behind a round-robin TCP proxy, 1,000 official .NET clients with automatic reconnect; one server gets SIGTERM while
/// invocations of its clients are in flight. The figures it prints are those of docs/operations.md.
/// </summary>
[Collection(nameof(MultiServerDrainTests))]
[Trait("Category", "Integration")]
public sealed class MultiServerDrainTests(ITestOutputHelper output)
{
    private const int ClientCount = 1000;
    private const int ClosesPerSecond = 200;
    private const int InFlightCount = 50;
    private const int SlowMilliseconds = 1500;
    private const int InvocationDeadlineMilliseconds = 10_000;

    /// <summary>
    /// The drain's batches: ClosesPerSecond / 10 every 100 ms (or a little more), so a one-second window of the server's
    /// clock holds at most 11 batches; the clients see each Close a little later, by a delay that varies, so the test
    /// allows one batch more (unpaced, the 334 Closes would all land within one window).
    /// </summary>
    private const int PerBatch = ClosesPerSecond / 10;

    [Fact]
    public async Task Sigterm_on_one_of_three_servers_moves_its_clients_to_the_others_at_the_configured_pace_and_loses_no_in_flight_invocation()
    {
        await using var redis = await RedisServer.StartAsync();
        var prefix = "drain" + Guid.NewGuid().ToString("N")[..8];
        string[] drainArgs = ["--drain-closes-per-second", ClosesPerSecond.ToString(CultureInfo.InvariantCulture), "--drain-deadline-ms", InvocationDeadlineMilliseconds.ToString(CultureInfo.InvariantCulture)];
        var starting = Enumerable.Range(0, 3).Select(i => ChaosServerProcess.StartAsync("server" + i, redis.Endpoint, prefix, drainArgs)).ToArray();
        var clients = new List<DrainClient>();
        try
        {
            var servers = await Task.WhenAll(starting);
            await using var proxy = new RoundRobinTcpProxy(servers.Select(s => s.Url));
            var hubUrl = new Uri(proxy.BaseAddress, "hub");

            var setUp = Stopwatch.StartNew();
            using (var gate = new SemaphoreSlim(64))
            {
                clients.AddRange(await Task.WhenAll(Enumerable.Range(0, ClientCount).Select(async i =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        return await DrainClient.ConnectAsync(i, hubUrl);
                    }
                    finally
                    {
                        gate.Release();
                    }
                })));
            }

            await Task.WhenAll(clients.Select(c => c.AskServerAsync()));
            output.WriteLine($"{ClientCount} clients connected through the proxy in {setUp.Elapsed.TotalSeconds:F1} s: " +
                             string.Join(", ", servers.Select(s => $"{s.Name} {clients.Count(c => c.ServerProcessId == s.ProcessId)}")));

            var victim = servers[0];
            var moving = clients.Where(c => c.ServerProcessId == victim.ProcessId).ToArray();
            var staying = clients.Except(moving).ToArray();
            Assert.InRange(moving.Length, ClientCount / 3 - 5, ClientCount / 3 + 5);

            // Invocations that are surely running on the victim (each sent Started first) when SIGTERM arrives.
            var inFlight = moving.Take(InFlightCount).Select(c => (Client: c, Result: c.StartSlowAsync(SlowMilliseconds))).ToArray();
            await Task.WhenAll(inFlight.Select(f => f.Client.Started.Task)).WaitAsync(TimeSpan.FromSeconds(30));

            var clock = Stopwatch.StartNew();
            foreach (var client in clients)
            {
                client.Clock = clock;
            }

            var exit = victim.TerminateAsync(TimeSpan.FromSeconds(60));

            // Every invocation in flight at the stop returns its result to its caller.
            foreach (var (client, result) in inFlight)
            {
                Assert.Equal(client.Name, await result.WaitAsync(TimeSpan.FromSeconds(30)));
            }

            // The documented bound: the longest in-flight invocation (at most InvocationDeadline), the pacing of this
            // server's connections, and a few seconds for the clients' retries after a 503 and for the set-up.
            var bound = TimeSpan.FromMilliseconds(SlowMilliseconds) + TimeSpan.FromSeconds((double)moving.Length / ClosesPerSecond) + TimeSpan.FromSeconds(10);
            await Task.WhenAll(moving.Select(c => c.Reconnected.Task)).WaitAsync(bound);
            var allBack = clock.Elapsed;
            Assert.Equal(0, await exit);

            // Every client is connected, none on the stopped server; the others never noticed anything.
            Assert.All(clients, c => Assert.Equal(HubConnectionState.Connected, c.Connection.State));
            await Task.WhenAll(moving.Select(c => c.AskServerAsync()));
            Assert.All(moving, c => Assert.NotEqual(victim.ProcessId, c.ServerProcessId));
            Assert.All(staying, c => Assert.False(c.Reconnecting.Task.IsCompleted, $"{c.Name} on a server that was not stopped reconnected."));

            // Each moved client was closed by a Close with allowReconnect (no error), not dropped.
            var closed = await Task.WhenAll(moving.Select(c => c.Reconnecting.Task));
            var back = await Task.WhenAll(moving.Select(c => c.Reconnected.Task));
            Assert.All(closed, c => Assert.Null(c.Error));
            var closes = closed.Select(c => c.At).Order().ToArray();
            var reconnects = back.Order().ToArray();
            var durations = back.Zip(closed, (b, c) => b - c.At).Order().ToArray();
            var maxClosesPerSecond = MaxInAnySecond(closes);
            var maxReconnectsPerSecond = MaxInAnySecond(reconnects);
            var drained = victim.Output.Split('\n').FirstOrDefault(l => l.Contains("Drained:", StringComparison.Ordinal));
            output.WriteLine(
                $"SIGTERM to {victim.Name} with {moving.Length} connections ({InFlightCount} with a {SlowMilliseconds} ms invocation running), " +
                $"ClosesPerSecond {ClosesPerSecond}: first Close at {closes[0].TotalSeconds:F2} s, last at {closes[^1].TotalSeconds:F2} s; " +
                $"most Closes in any 1 s window {maxClosesPerSecond}, most reconnects in any 1 s window {maxReconnectsPerSecond}; " +
                $"Close-to-reconnected p50 {Percentile(durations, 0.5).TotalMilliseconds:F0} ms, p99 {Percentile(durations, 0.99).TotalMilliseconds:F0} ms, max {durations[^1].TotalMilliseconds:F0} ms; " +
                $"all {moving.Length} back {allBack.TotalSeconds:F2} s after SIGTERM (bound {bound.TotalSeconds:F1} s); process exited 0. Server log: {drained}");

            // The pace: never more Closes in a second than 12 batches (see PerBatch), and the drain took as long as pacing requires.
            Assert.InRange(maxClosesPerSecond, 1, PerBatch * 12);
            Assert.True(closes[^1] - closes[0] >= TimeSpan.FromSeconds((double)(moving.Length - InFlightCount) / ClosesPerSecond - 0.5), "The Closes were not paced.");
            // Reconnects follow the Closes: the clients retry at once, so they land at the pace too (with 25% for jitter).
            Assert.InRange(maxReconnectsPerSecond, 1, ClosesPerSecond * 5 / 4);

            foreach (var server in servers)
            {
                Assert.True(server.ErrorLines.Count == 0, $"{server.Name} logged errors:\n{string.Join('\n', server.ErrorLines)}");
            }
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.Connection.DisposeAsync().AsTask()));
            foreach (var server in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await (await server).DisposeAsync();
            }
        }
    }

    private static int MaxInAnySecond(TimeSpan[] sorted)
    {
        var max = 0;
        var start = 0;
        for (var end = 0; end < sorted.Length; end++)
        {
            while (sorted[end] - sorted[start] >= TimeSpan.FromSeconds(1))
            {
                start++;
            }

            max = Math.Max(max, end - start + 1);
        }

        return max;
    }

    private static TimeSpan Percentile(TimeSpan[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary>One official client and what it observed, on the test's clock.</summary>
    private sealed class DrainClient
    {
        private DrainClient(string name, HubConnection connection)
        {
            Name = name;
            Connection = connection;
        }

        public string Name { get; }

        public HubConnection Connection { get; }

        public Stopwatch? Clock { get; set; }

        public int ServerProcessId { get; private set; }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<(TimeSpan At, Exception? Error)> Reconnecting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<TimeSpan> Reconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static async Task<DrainClient> ConnectAsync(int index, Uri hubUrl)
        {
            var builder = new HubConnectionBuilder()
                .WithUrl(hubUrl, HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
                .WithAutomaticReconnect(new RetryAtOnceThenJitter());
            builder.Services.AddLogging(l => l.ClearProviders());
            var client = new DrainClient("client" + index.ToString(CultureInfo.InvariantCulture), builder.Build());
            client.Connection.On<string>("Started", _ => client.Started.TrySetResult());
            client.Connection.Reconnecting += error =>
            {
                client.Reconnecting.TrySetResult((client.Clock?.Elapsed ?? TimeSpan.Zero, error));
                return Task.CompletedTask;
            };
            client.Connection.Reconnected += _ =>
            {
                client.Reconnected.TrySetResult(client.Clock?.Elapsed ?? TimeSpan.Zero);
                return Task.CompletedTask;
            };
            await client.Connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return client;
        }

        public async Task AskServerAsync() =>
            ServerProcessId = await Connection.InvokeAsync<int>("ServerProcessId").WaitAsync(TimeSpan.FromSeconds(60));

        public Task<string> StartSlowAsync(int milliseconds) => Connection.InvokeAsync<string>("Slow", Name, milliseconds);
    }

    /// <summary>The first retry at once (the server asked for it with allowReconnect), then every 250 to 500 ms for a minute.</summary>
    private sealed class RetryAtOnceThenJitter : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.PreviousRetryCount == 0 ? TimeSpan.Zero
            : retryContext.ElapsedTime > TimeSpan.FromMinutes(1) ? null
            : TimeSpan.FromMilliseconds(250 + Random.Shared.Next(250));
    }
}
