using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.Internal.Hubs;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Hubs;

/// <summary>
/// The heartbeat keeps its connections in slots of one array (issue 14: no dictionary node per idle connection): the
/// tick reaches exactly the connections added and not removed, slots freed by a removal are reused, the array grows
/// past its first size, and concurrent adds and removes keep the count and the snapshot exact.
/// </summary>
public sealed class HubConnectionHeartbeatSlotsTests
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public void TheTickReachesExactlyTheWatchedConnections_AcrossGrowthAndSlotReuse()
    {
        var time = new FakeTimeProvider();
        using var heartbeat = new HubConnectionHeartbeat(time);
        var all = new List<HubConnectionContext>();
        HubConnectionContext NewConnection()
        {
            var connection = new HubConnectionContext(new TestConnection(), new HubConnectionContextOptions(), NullLoggerFactory.Instance, time);
            connection.StartHandshakeTimer(HandshakeTimeout);
            all.Add(connection);
            return connection;
        }

        // 40 connections: more than the first array holds.
        var watched = new HashSet<HubConnectionContext>();
        for (var i = 0; i < 40; i++)
        {
            var connection = NewConnection();
            heartbeat.Add(connection);
            watched.Add(connection);
        }

        // Every third one leaves (one of them twice: a second removal does nothing), then five more come into the freed slots.
        foreach (var connection in all.Where((_, i) => i % 3 == 0).ToList())
        {
            heartbeat.Remove(connection);
            watched.Remove(connection);
        }

        heartbeat.Remove(all[0]);
        for (var i = 0; i < 5; i++)
        {
            var connection = NewConnection();
            heartbeat.Add(connection);
            watched.Add(connection);
        }

        heartbeat.Add(all[1]); // already watched: not a second slot
        Assert.Equal(watched.Count, heartbeat.ConnectionCount);
        Assert.Equal(watched.OrderBy(c => c.ConnectionId), heartbeat.Snapshot().OrderBy(c => c.ConnectionId));

        // Past every handshake deadline: the tick closes the watched connections and only those.
        time.Advance(HandshakeTimeout * 3);
        foreach (var connection in all)
        {
            var expected = watched.Contains(connection) ? HubConnectionCloseReason.HandshakeTimeout : HubConnectionCloseReason.None;
            Assert.Equal(expected, connection.CloseReason);
        }

        foreach (var connection in all)
        {
            heartbeat.Remove(connection);
        }

        Assert.Equal(0, heartbeat.ConnectionCount);
        Assert.Empty(heartbeat.Snapshot());
    }

    [Fact]
    public void ConcurrentAddsAndRemoves_KeepTheCountAndTheSnapshotExact()
    {
        const int Threads = 4;
        const int PerThread = 500;
        using var heartbeat = new HubConnectionHeartbeat(new FakeTimeProvider());
        var connections = Enumerable.Range(0, Threads).Select(_ => Enumerable.Range(0, PerThread)
            .Select(_ => new HubConnectionContext(new TestConnection(), new HubConnectionContextOptions(), NullLoggerFactory.Instance))
            .ToArray()).ToArray();
        using var added = new Barrier(Threads + 1);
        using var remove = new Barrier(Threads + 1);

        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            foreach (var connection in connections[t])
            {
                heartbeat.Add(connection);
            }

            added.SignalAndWait();
            remove.SignalAndWait();
            foreach (var connection in connections[t])
            {
                heartbeat.Remove(connection);
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        added.SignalAndWait();
        Assert.Equal(Threads * PerThread, heartbeat.ConnectionCount);
        var snapshot = heartbeat.Snapshot();
        Assert.Equal(Threads * PerThread, snapshot.Distinct().Count());
        Assert.Equal(connections.SelectMany(c => c).ToHashSet(), snapshot.ToHashSet());
        remove.SignalAndWait();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(0, heartbeat.ConnectionCount);
        Assert.Empty(heartbeat.Snapshot());
    }
}
