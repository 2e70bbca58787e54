#if HAS_LITE_HUBS
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Benchmarks;

/// <summary>
/// What presence (issue 17) costs the connection lifecycle: 1,000 connections of 100 users arrive, each joins two groups,
/// and all leave, through the in-memory lifetime manager, with presence off (the baseline) and on. The hub layer's
/// handshake and transports are left out: this is the registry's share, the part presence adds to.
/// </summary>
[MemoryDiagnoser]
public class PresenceBenchmarks
{
    private const int Connections = 1000;
    private HubLifetimeManager<PresenceBenchHub> _manager = null!;
    private HubConnectionContext[] _connections = null!;
    private ServiceProvider _services = null!;

    [Params(false, true)]
    public bool Presence { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_services, _manager, _connections) = Build(Presence);
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Description = "1,000 connects, 2 joins each, 1,000 disconnects", OperationsPerInvoke = Connections)]
    public async Task ConnectJoinDisconnect()
    {
        foreach (var c in _connections)
        {
            await _manager.OnConnectedAsync(c);
            await _manager.AddToGroupAsync(c.ConnectionId, "room" + (c.ConnectionId.Length % 10));
            await _manager.AddToGroupAsync(c.ConnectionId, "all");
        }

        foreach (var c in _connections)
        {
            await _manager.OnDisconnectedAsync(c);
        }
    }

    /// <summary>The lifetime manager (presence attached or not) and 1,000 hub connections of 100 users, not yet connected.</summary>
    internal static (ServiceProvider Services, HubLifetimeManager<PresenceBenchHub> Manager, HubConnectionContext[] Connections) Build(bool presence)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
        var builder = services.AddSignalRLite();
        if (presence)
        {
            builder.AddHubPresence();
        }

        var provider = services.BuildServiceProvider();
        if (presence)
        {
            // As MapHub does: presence attaches itself when first resolved.
            provider.GetRequiredService<IHubPresence<PresenceBenchHub>>();
        }

        var loggers = provider.GetRequiredService<ILoggerFactory>();
        var connections = new HubConnectionContext[Connections];
        for (var i = 0; i < Connections; i++)
        {
            connections[i] = new HubConnectionContext(new DefaultConnectionContext("c" + i), new HubConnectionContextOptions(), loggers)
            {
                UserIdentifier = "u" + (i % 100),
            };
        }

        return (provider, provider.GetRequiredService<HubLifetimeManager<PresenceBenchHub>>(), connections);
    }

    /// <summary>
    /// Heap held per connection and per group membership with presence on, over presence off: 1,000 connections (100
    /// users) each in two groups, measured after full GCs, median of five runs each (printed; --presence-memory).
    /// </summary>
    internal static async Task PrintRetainedMemoryAsync()
    {
        var held = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        for (var run = 0; run < 5; run++)
        {
            foreach (var presence in new[] { false, true })
            {
                var (services, manager, connections) = Build(presence);
                foreach (var c in connections)
                {
                    await manager.OnConnectedAsync(c);
                    await manager.AddToGroupAsync(c.ConnectionId, "room" + (c.ConnectionId.Length % 10));
                    await manager.AddToGroupAsync(c.ConnectionId, "g" + c.ConnectionId);
                }

                // Held = connected minus all gone again (same process state otherwise: pools and caches warmed alike).
                var connected = GC.GetTotalMemory(forceFullCollection: true);
                foreach (var c in connections)
                {
                    await manager.OnDisconnectedAsync(c);
                }

                var gone = GC.GetTotalMemory(forceFullCollection: true);
                held[presence].Add(connected - gone);
                GC.KeepAlive(manager);
                services.Dispose();
            }
        }

        static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        var off = Median(held[false]);
        var on = Median(held[true]);
        Console.WriteLine($"registry heap for 1,000 connections (100 users) each in a shared group and in one of its own: presence off {off / 1000:F0} B per connection, on {on / 1000:F0} B per connection;");
        Console.WriteLine($"presence adds {(on - off) / 1000:F0} B per connection with its 2 memberships, about {(on - off) / 3000:F0} B per tracked item (connection or membership); runs off: {string.Join(", ", held[false].Select(b => (b / 1000).ToString("F0")))}, on: {string.Join(", ", held[true].Select(b => (b / 1000).ToString("F0")))} B per connection");
    }
}

/// <summary>The hub type the presence benchmark's lifetime manager is for (no method is called).</summary>
public sealed class PresenceBenchHub : Hub;
#endif
