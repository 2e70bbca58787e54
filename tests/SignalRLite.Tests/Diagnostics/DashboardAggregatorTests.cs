using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.Internal.Diagnostics;

namespace SignalRLite.Tests.Diagnostics;

/// <summary>
/// The dashboard's aggregator, fed by instruments of meters created through the app's <see cref="IMeterFactory"/> (as
/// the server creates its own), with a fake clock.
/// </summary>
public sealed class DashboardAggregatorTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly DashboardAggregator _aggregator;
    private readonly Meter _connections;
    private readonly Meter _lite;

    public DashboardAggregatorTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _connections = factory.Create("Microsoft.AspNetCore.Http.Connections");
        _lite = factory.Create("SignalRLite");
        _aggregator = new DashboardAggregator(factory, _time);
    }

    public void Dispose()
    {
        _aggregator.Dispose();
        _services.Dispose();
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    [Fact]
    public void ListensOnlyFromTheFirstSnapshot()
    {
        var active = _connections.CreateUpDownCounter<long>("signalr.server.active_connections");
        active.Add(1, Tag("signalr.transport", "web_sockets"));
        Assert.False(_aggregator.IsStarted);

        Assert.Equal(0, _aggregator.Snapshot().Connections.Live);
        Assert.True(_aggregator.IsStarted);

        active.Add(1, Tag("signalr.transport", "web_sockets"));
        Assert.Equal(1, _aggregator.Snapshot().Connections.Live);

        // The connection opened before listening leaves: never below zero.
        active.Add(-1, Tag("signalr.transport", "web_sockets"));
        active.Add(-1, Tag("signalr.transport", "web_sockets"));
        Assert.Equal(0, _aggregator.Snapshot().Connections.Live);
    }

    [Fact]
    public void CountsLiveConnectionsByTransportAndHub()
    {
        _aggregator.EnsureStarted();
        var active = _connections.CreateUpDownCounter<long>("signalr.server.active_connections");
        var duration = _connections.CreateHistogram<double>("signalr.server.connection.duration");
        for (var i = 0; i < 3; i++)
        {
            active.Add(1, Tag("signalr.transport", "web_sockets"));
        }

        active.Add(1, Tag("signalr.transport", "server_sent_events"));
        active.Add(1, Tag("signalr.transport", "long_polling"), Tag("signalr.hub", "ChatHub"));
        active.Add(-1, Tag("signalr.transport", "web_sockets"));
        duration.Record(2.5, Tag("signalr.connection.status", "normal_closure"), Tag("signalr.transport", "web_sockets"));

        var snapshot = _aggregator.Snapshot();
        Assert.Equal(["signalr.server.active_connections", "signalr.server.connection.duration"], snapshot.Present);
        var connections = snapshot.Connections;
        Assert.Equal(4, connections.Live);
        Assert.Equal(
            [new("long_polling", 1), new("server_sent_events", 1), new("web_sockets", 2)],
            connections.ByTransport);
        Assert.Equal([new NamedCount("ChatHub", 1)], connections.ByHub);
        Assert.Equal([new NamedCount("normal_closure", 1)], connections.ClosedByStatus);
    }

    [Fact]
    public void RatesAreTheCountOfTheLastCompleteSecond()
    {
        _aggregator.EnsureStarted();
        var invocations = _lite.CreateCounter<long>("signalrlite.server.invocations");
        var messages = _lite.CreateCounter<long>("signalrlite.server.messages");
        KeyValuePair<string, object?>[] echo = [Tag("signalr.hub", "ChatHub"), Tag("signalr.method", "Echo"), Tag("signalrlite.outcome", "success")];
        for (var i = 0; i < 5; i++)
        {
            invocations.Add(1, echo);
        }

        invocations.Add(1, Tag("signalr.hub", "ChatHub"), Tag("signalr.method", "Echo"), Tag("signalrlite.outcome", "hub_exception"));
        messages.Add(7, Tag("signalr.hub", "ChatHub"), Tag("signalrlite.protocol", "json"), Tag("signalrlite.direction", "in"));

        // Nothing is complete yet in the current second.
        var now = _aggregator.Snapshot();
        Assert.Equal(0, now.Invocations.PerSecond);
        Assert.Equal(6, now.Invocations.Total);

        _time.Advance(TimeSpan.FromSeconds(1));
        var next = _aggregator.Snapshot();
        Assert.Equal(6, next.Invocations.PerSecond);
        Assert.Equal(1, next.Invocations.Errors);
        Assert.Equal(7, next.Messages.PerSecond);
        var method = Assert.Single(next.Invocations.Methods);
        Assert.Equal(("ChatHub", "Echo", 6d, 6d, 1d), (method.Hub, method.Method, method.Total, method.PerSecond, method.Errors));
        Assert.Equal(new MessageRow("ChatHub", "json", "in", 7, 7), Assert.Single(next.Messages.Rows));

        _time.Advance(TimeSpan.FromSeconds(1));
        var later = _aggregator.Snapshot();
        Assert.Equal(0, later.Invocations.PerSecond);
        Assert.Equal(6, later.Invocations.Total);
        Assert.Equal(7, later.Messages.Total);

        // Much later (the per-second ring has wrapped around): still nothing in the last second.
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(0, _aggregator.Snapshot().Invocations.PerSecond);
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, _aggregator.Snapshot().Invocations.PerSecond);
    }

    [Fact]
    public void LatencyPercentilesPerMethodFromTheMostRecentCalls()
    {
        _aggregator.EnsureStarted();
        var duration = _lite.CreateHistogram<double>("signalrlite.server.invocation.duration", unit: "s");
        // 1..100 ms, shuffled; outcomes split across two attribute sets of the same method.
        foreach (var ms in Enumerable.Range(1, 100).OrderBy(i => (i * 37) % 101))
        {
            duration.Record(ms / 1000.0, Tag("signalr.hub", "H"), Tag("signalr.method", "Slow"), Tag("signalrlite.outcome", ms % 10 == 0 ? "hub_exception" : "success"));
        }

        duration.Record(0.5, Tag("signalr.hub", "H"), Tag("signalr.method", "Other"), Tag("signalrlite.outcome", "success"));

        var methods = _aggregator.Snapshot().Invocations.Methods.ToDictionary(m => m.Method);
        var slow = methods["Slow"];
        Assert.Equal(100, slow.Samples);
        Assert.Equal(50, slow.P50!.Value, 6);
        Assert.Equal(95, slow.P95!.Value, 6);
        Assert.Equal(99, slow.P99!.Value, 6);
        Assert.Equal(500, methods["Other"].P99!.Value, 6);

        // Bounded: only the last 512 values count; 10 s calls push the 1..100 ms ones out.
        for (var i = 0; i < LatencyReservoir.Capacity; i++)
        {
            duration.Record(10, Tag("signalr.hub", "H"), Tag("signalr.method", "Slow"), Tag("signalrlite.outcome", "success"));
        }

        slow = _aggregator.Snapshot().Invocations.Methods.Single(m => m.Method == "Slow");
        Assert.True(slow.Samples <= 2 * LatencyReservoir.Capacity);
        Assert.Equal(10_000, slow.P50!.Value, 6);
    }

    [Fact]
    public void AttributeSetsBeyondTheCapAreMergedIntoOneOverflowSeries()
    {
        _aggregator.EnsureStarted();
        var invocations = _lite.CreateCounter<long>("signalrlite.server.invocations");
        const int extra = 5;
        for (var i = 0; i < DashboardAggregator.MaxSeriesPerInstrument + extra; i++)
        {
            invocations.Add(1, Tag("signalr.hub", "H"), Tag("signalr.method", "M" + i), Tag("signalrlite.outcome", "success"));
        }

        var snapshot = _aggregator.Snapshot();
        Assert.Equal(extra, snapshot.OverflowMeasurements);
        Assert.Equal(DashboardAggregator.MaxSeriesPerInstrument + extra, snapshot.Invocations.Total);
        Assert.Equal(DashboardSnapshotBuilder.MaxRows, snapshot.Invocations.Methods.Count);
        var overflow = snapshot.Instruments.Where(r => r.Attributes == "signalrlite.dashboard=overflow").ToList();
        Assert.Equal(extra, Assert.Single(overflow).Value);
    }

    [Fact]
    public void MetersOfOtherScopesAreIgnored()
    {
        _aggregator.EnsureStarted();
        using var unscoped = new Meter("SignalRLite");
        using var otherServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var otherApp = otherServices.GetRequiredService<IMeterFactory>().Create("Microsoft.AspNetCore.Http.Connections");
        unscoped.CreateCounter<long>("signalrlite.server.invocations").Add(3, Tag("signalr.method", "X"));
        otherApp.CreateUpDownCounter<long>("signalr.server.active_connections").Add(1, Tag("signalr.transport", "web_sockets"));
        // A meter of the right name and scope that is not the factory's own instance counts.
        using var sameScope = new Meter(new MeterOptions("SignalRLite") { Scope = _services.GetRequiredService<IMeterFactory>() });
        sameScope.CreateCounter<long>("signalrlite.server.invocations").Add(2, Tag("signalr.method", "Y"));

        var snapshot = _aggregator.Snapshot();
        Assert.Equal(0, snapshot.Connections.Live);
        Assert.Equal(2, snapshot.Invocations.Total);
    }

    [Fact]
    public void SlowConsumersBackplaneAndGroupTraffic()
    {
        _aggregator.EnsureStarted();
        Assert.False(_aggregator.Snapshot().Redis.Present);
        _lite.CreateCounter<long>("signalrlite.server.slow_consumer_closes").Add(2, Tag("signalr.hub", "H"));
        var queue = _lite.CreateUpDownCounter<long>("signalrlite.server.outbound_queue");
        queue.Add(10, Tag("signalr.hub", "H"));
        queue.Add(-4, Tag("signalr.hub", "H"));
        var publishes = _lite.CreateCounter<long>("signalrlite.redis.publishes");
        publishes.Add(3, Tag("signalrlite.channel_kind", "group"));
        _lite.CreateCounter<long>("signalrlite.redis.reconnects").Add(1);
        var sends = _lite.CreateCounter<long>("signalrlite.server.sends");
        sends.Add(4, Tag("signalr.hub", "H"), Tag("signalrlite.target", "group"));
        sends.Add(9, Tag("signalr.hub", "H"), Tag("signalrlite.target", "all"));
        var fanOut = _lite.CreateHistogram<long>("signalrlite.server.send.fan_out");
        foreach (var n in new long[] { 1, 2, 3, 40 })
        {
            fanOut.Record(n, Tag("signalr.hub", "H"), Tag("signalrlite.target", "group"));
        }

        fanOut.Record(1000, Tag("signalr.hub", "H"), Tag("signalrlite.target", "all"));
        _time.Advance(TimeSpan.FromSeconds(1));

        var snapshot = _aggregator.Snapshot();
        var slow = snapshot.SlowConsumers;
        Assert.Equal((2d, 2d, 6d), (slow.Closes, slow.ClosesPerSecond, slow.Queued));
        Assert.Equal(new HubSlowConsumers("H", 2, 6), Assert.Single(slow.ByHub));
        Assert.True(snapshot.Redis.Present);
        Assert.Equal(3, snapshot.Redis.PublishesPerSecond);
        Assert.Equal(1, snapshot.Redis.Reconnects);
        Assert.Equal(new ChannelRow("group", 3, 0, 3, 0), Assert.Single(snapshot.Redis.Channels));
        Assert.Equal((4d, 4d, 2d, 40d), (snapshot.Groups.Sends, snapshot.Groups.SendsPerSecond, snapshot.Groups.FanOutP50!.Value, snapshot.Groups.FanOutP99!.Value));
    }
}
