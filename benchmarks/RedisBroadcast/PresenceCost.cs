using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite;
using StackExchange.Redis;

namespace RedisBroadcast;

/// <summary>
/// What cluster presence (issue 17) costs a connection's lifecycle on the Redis backplane: each lifecycle is a connect,
/// two group joins and a disconnect through the Redis lifetime manager alone (no transport, no handshake), with presence
/// off and on, one at a time (latency) and 64 at a time (throughput), against the given Redis.
/// Usage: dotnet run -c Release --project benchmarks/RedisBroadcast -- presence [redis=127.0.0.1:6379] [lifecycles=2000] [rounds=3]
/// </summary>
internal static class PresenceCost
{
    public static async Task RunAsync(string redis, int lifecycles, int rounds)
    {
        Console.WriteLine($"redis {redis}, {lifecycles} lifecycles (connect, 2 joins, disconnect) per run, {rounds} rounds, {Environment.ProcessorCount} cores");
        await MeasureAsync(redis, false, 200, 1);
        await MeasureAsync(redis, true, 200, 1);
        var results = new Dictionary<string, List<double>>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var presence in round % 2 == 0 ? new[] { false, true } : new[] { true, false })
            {
                foreach (var parallel in new[] { 1, 64 })
                {
                    var perLifecycle = await MeasureAsync(redis, presence, lifecycles, parallel);
                    var name = $"presence {(presence ? "on " : "off")}, {parallel,2} at a time";
                    (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(perLifecycle);
                    Console.WriteLine($"round {round + 1} {name}: {perLifecycle,8:N1} µs per lifecycle ({1_000_000 / perLifecycle,8:N0} lifecycles/s)");
                }
            }
        }

        foreach (var (name, values) in results.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            values.Sort();
            var median = values[values.Count / 2];
            Console.WriteLine($"median {name}: {median,8:N1} µs per lifecycle ({1_000_000 / median,8:N0} lifecycles/s)");
        }
    }

    // Wall time per lifecycle, in µs.
    private static async Task<double> MeasureAsync(string redis, bool presence, int lifecycles, int parallel)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
        var prefix = "pbench" + Guid.NewGuid().ToString("N")[..8];
        var builder = services.AddSignalRLite().AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix));
        if (presence)
        {
            builder.AddHubPresence();
        }

        await using var provider = services.BuildServiceProvider();
        var manager = provider.GetRequiredService<HubLifetimeManager<LiteHub>>();
        if (presence)
        {
            // As MapHub does; the first query waits until presence is connected and subscribed.
            await provider.GetRequiredService<IHubPresence<LiteHub>>().GetConnectionCountAsync();
        }
        else
        {
            // The same warm Redis connection for the baseline.
            await manager.SendAllAsync("warm", []);
        }

        var loggers = provider.GetRequiredService<ILoggerFactory>();
        var connections = new HubConnectionContext[lifecycles];
        for (var i = 0; i < lifecycles; i++)
        {
            connections[i] = new HubConnectionContext(new DefaultConnectionContext("c" + i + prefix), new HubConnectionContextOptions(), loggers)
            {
                UserIdentifier = "u" + (i % 100),
            };
        }

        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < lifecycles)
            {
                var c = connections[i];
                await manager.OnConnectedAsync(c);
                await manager.AddToGroupAsync(c.ConnectionId, "room" + (i % 10));
                await manager.AddToGroupAsync(c.ConnectionId, "all");
                await manager.OnDisconnectedAsync(c);
            }
        }));
        return stopwatch.Elapsed.TotalMicroseconds / lifecycles;
    }
}
