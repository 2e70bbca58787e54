// Cross-server broadcast through Redis: SignalRLite's backplane against the official one, same Redis, same run.
// Three servers per implementation, clients spread over them (official .NET client, WebSockets, JSON); the hub context of
// server 0 broadcasts numbered messages with a bounded number of sends in flight; the clock stops when every client has
// received every message.
// Usage: dotnet run -c Release --project benchmarks/RedisBroadcast -- [redis=127.0.0.1:6379] [clients=30] [messages=20000] [rounds=3]
// With "presence" as the first argument: the cost of cluster presence on connect/disconnect instead (PresenceCost.cs).
using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using RedisBroadcast;

var settings = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
var redis = settings.GetValueOrDefault("redis") ?? Environment.GetEnvironmentVariable("SIGNALRLITE_REDIS") ?? "127.0.0.1:6379";
var clientCount = int.Parse(settings.GetValueOrDefault("clients", "30"));
var messageCount = int.Parse(settings.GetValueOrDefault("messages", "20000"));
var rounds = int.Parse(settings.GetValueOrDefault("rounds", "3"));
if (args.FirstOrDefault() == "presence")
{
    await PresenceCost.RunAsync(redis, int.Parse(settings.GetValueOrDefault("lifecycles", "2000")), rounds);
    return;
}

const int ServerCount = 3;
const int InFlight = 64;

Console.WriteLine($"redis {redis}, {ServerCount} servers, {clientCount} clients, {messageCount} broadcasts, {rounds} rounds, {Environment.ProcessorCount} cores");
// Warm-up (JIT, connection pools), not counted.
await RunAsync(false, 1000);
await RunAsync(true, 1000);

var results = new Dictionary<string, List<double>> { ["SignalRLite"] = [], ["official"] = [] };
for (var round = 0; round < rounds; round++)
{
    // Alternating order, so that neither side always runs on a warmer machine.
    foreach (var official in round % 2 == 0 ? new[] { false, true } : new[] { true, false })
    {
        var rate = await RunAsync(official, messageCount);
        var name = official ? "official" : "SignalRLite";
        results[name].Add(rate);
        Console.WriteLine($"round {round + 1} {name,-12} {rate,10:N0} broadcasts/s  ({rate * clientCount,12:N0} deliveries/s)");
    }
}

foreach (var (name, rates) in results)
{
    rates.Sort();
    Console.WriteLine($"median {name,-12} {rates[rates.Count / 2],10:N0} broadcasts/s  ({rates[rates.Count / 2] * clientCount,12:N0} deliveries/s)");
}

async Task<double> RunAsync(bool official, int messageCount)
{
    var prefix = "bench" + Guid.NewGuid().ToString("N")[..8];
    var servers = new List<BenchServer>();
    var clients = new List<HubConnection>();
    try
    {
        for (var i = 0; i < ServerCount; i++)
        {
            servers.Add(await BenchServer.StartAsync(official, redis, prefix));
        }

        var remaining = clientCount;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < clientCount; i++)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(servers[i % ServerCount].HubUrl, HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
                .ConfigureLogging(l => l.ClearProviders())
                .Build();
            var received = 0;
            connection.On<int>("M", _ =>
            {
                if (++received == messageCount && Interlocked.Decrement(ref remaining) == 0)
                {
                    done.TrySetResult();
                }
            });
            await connection.StartAsync();
            clients.Add(connection);
        }

        var sender = servers[0];
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var stopwatch = Stopwatch.StartNew();
        var window = new SemaphoreSlim(InFlight);
        for (var i = 0; i < messageCount; i++)
        {
            await window.WaitAsync();
            _ = sender.BroadcastAsync(i).ContinueWith(static (t, w) => ((SemaphoreSlim)w!).Release(), window, TaskScheduler.Default);
        }

        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = stopwatch.Elapsed;

        // CPU and allocations of the whole process (servers and clients): the clients are the same for both sides, so
        // differences are the servers'. Less sensitive to other load on the machine than the rate.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        Console.WriteLine($"    {(official ? "official" : "SignalRLite"),-12} {cpu.TotalMicroseconds / messageCount,8:N1} µs CPU and {allocated / messageCount,8:N0} B allocated per broadcast (process-wide)");
        return messageCount / elapsed.TotalSeconds;
    }
    finally
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }
    }
}
