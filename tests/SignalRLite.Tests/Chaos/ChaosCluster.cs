using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Redis;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Chaos;

/// <summary>
/// A redis-server of its own (so it can be killed, stopped and restarted), three chaos server processes on it, and
/// official clients spread over them. Samples every server's RSS at the start, to check growth at the end.
/// </summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    /// <summary>How much a server process may grow during one scenario (generous: the machine is shared and loaded).</summary>
    public const long MaxGrowthBytes = 200L * 1024 * 1024;

    private readonly ITestOutputHelper _output;
    private readonly Dictionary<ChaosServerProcess, long> _rssAtStart = [];

    private ChaosCluster(RedisServer redis, ChaosServerProcess[] servers, ITestOutputHelper output)
    {
        Redis = redis;
        Servers = servers;
        _output = output;
    }

    public RedisServer Redis { get; }

    public ChaosServerProcess[] Servers { get; }

    public List<ChaosClient> Clients { get; } = [];

    public static async Task<ChaosCluster> StartAsync(ITestOutputHelper output, int clientsPerServer)
    {
        var redis = await RedisServer.StartAsync();
        var prefix = "chaos" + Guid.NewGuid().ToString("N")[..8];
        var starting = Enumerable.Range(0, 3).Select(i => ChaosServerProcess.StartAsync("server" + i, redis.Endpoint, prefix)).ToArray();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var s in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await s.Result.DisposeAsync();
            }

            await redis.DisposeAsync();
            throw;
        }

        var cluster = new ChaosCluster(redis, [.. starting.Select(t => t.Result)], output);
        var urls = cluster.Servers.Select(s => s.HubUrl).ToArray();
        foreach (var server in cluster.Servers)
        {
            for (var i = 0; i < clientsPerServer; i++)
            {
                cluster.Clients.Add(await ChaosClient.ConnectAsync($"{server.Name}/client{i}", server.HubUrl, urls));
            }
        }

        // Every client is subscribed (its server has connected to Redis) once a broadcast from each server reaches all.
        foreach (var server in cluster.Servers)
        {
            await cluster.DeliverEverywhereAsync(cluster.ClientsOf(server)[0], "warm-up-" + server.Name, TimeSpan.FromSeconds(60));
        }

        foreach (var server in cluster.Servers)
        {
            cluster._rssAtStart[server] = server.ResidentBytes();
        }

        return cluster;
    }

    public ChaosClient[] ClientsOf(ChaosServerProcess server) =>
        [.. Clients.Where(c => c.Name.StartsWith(server.Name + "/", StringComparison.Ordinal))];

    /// <summary>
    /// Sends a marker through <paramref name="sender"/> (All, through the backplane) until one reaches every client;
    /// returns the time that took. A send that fails, or a marker lost while a server resubscribes, is tried again:
    /// recovery has no event a test could await.
    /// </summary>
    public async Task<TimeSpan> DeliverEverywhereAsync(ChaosClient sender, string marker, TimeSpan timeout, IEnumerable<ChaosClient>? receivers = null)
    {
        var clock = Stopwatch.StartNew();
        var to = (receivers ?? Clients).ToArray();
        for (var attempt = 0; ; attempt++)
        {
            Assert.True(clock.Elapsed < timeout, $"No marker from {sender.Name} reached every client within {timeout}.\n{Describe()}");
            var id = $"{marker}#{attempt}";
            try
            {
                await sender.Connection.InvokeAsync("All", "marker", id).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Microsoft.AspNetCore.SignalR.HubException)
            {
                // The backplane is not back yet (the publish failed). Pace the retries; this is not a synchronisation.
                await TestWaits.PaceAsync(TimeSpan.FromMilliseconds(100));
                continue;
            }

            try
            {
                await Task.WhenAll(to.Select(c => c.WaitForMarkerAsync(id, TimeSpan.FromSeconds(3))));
                return clock.Elapsed;
            }
            catch (TimeoutException)
            {
                // Published before a receiving server had resubscribed: lost, as documented. Try again.
            }
        }
    }

    /// <summary>
    /// Every live server grew by less than <see cref="MaxGrowthBytes"/>, and logged no error but those matching
    /// <paramref name="causedByScenario"/>.
    /// </summary>
    public void AssertHealthy(params Regex[] causedByScenario)
    {
        foreach (var server in Servers.Where(s => !s.HasExited))
        {
            var before = _rssAtStart[server];
            var after = server.ResidentBytes();
            _output.WriteLine($"{server.Name}: RSS {before / 1048576} MB -> {after / 1048576} MB");
            Assert.True(after - before < MaxGrowthBytes, $"{server.Name} grew from {before / 1048576} MB to {after / 1048576} MB.");
            var errors = server.ErrorLines;
            var unexpected = errors.Where(l => !causedByScenario.Any(r => r.IsMatch(l))).ToList();
            foreach (var pattern in causedByScenario)
            {
                _output.WriteLine($"{server.Name}: {errors.Count(pattern.IsMatch)} error lines '{pattern}' (caused by the scenario)");
            }

            Assert.True(unexpected.Count == 0, $"{server.Name} logged errors the scenario did not cause:\n{string.Join('\n', unexpected)}");
        }
    }

    public string Describe() =>
        string.Join('\n', Clients.Select(c => $"{c.Name}: {c.Connection.State} on {c.CurrentServer}")) + "\n" +
        string.Join('\n', Servers.Select(s => $"--- {s.Name} ---\n{Tail(s.Output)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients)
        {
            await client.DisposeAsync();
        }

        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
