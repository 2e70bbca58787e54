namespace SignalRLite.Internal.Diagnostics;

/// <summary>
/// Projects the aggregated series onto what the dashboard shows. Pure: called by <see cref="DashboardAggregator"/>
/// under its lock, with the series it owns.
/// </summary>
internal static class DashboardSnapshotBuilder
{
    public const string Connections = "signalr.server.active_connections";
    public const string ConnectionDuration = "signalr.server.connection.duration";
    public const string Invocations = "signalrlite.server.invocations";
    public const string InvocationDuration = "signalrlite.server.invocation.duration";
    public const string Messages = "signalrlite.server.messages";
    public const string Sends = "signalrlite.server.sends";
    public const string FanOut = "signalrlite.server.send.fan_out";
    public const string OutboundQueue = "signalrlite.server.outbound_queue";
    public const string SlowConsumerCloses = "signalrlite.server.slow_consumer_closes";
    public const string RedisPublishes = "signalrlite.redis.publishes";
    public const string RedisReceived = "signalrlite.redis.received";
    public const string RedisPublishDuration = "signalrlite.redis.publish.duration";
    public const string RedisReconnects = "signalrlite.redis.reconnects";
    public const string RedisAckTimeouts = "signalrlite.redis.ack_timeouts";

    /// <summary>At most this many methods and instrument rows go into one snapshot (the busiest first).</summary>
    public const int MaxRows = 200;

    /// <summary>How many of each hub's largest groups a snapshot lists.</summary>
    public const int LargestGroupsPerHub = 10;

    public const string GroupNote =
        "Sizes count this server's connections in each group, read once per update from the in-memory lifetime manager " +
        "(not shown for other lifetime managers, such as the Redis backplane). Fan-out: connections of this server reached per group send.";

    private const string None = "(none)";

    public static DashboardSnapshot Build(IReadOnlyCollection<MetricSeries> series, DateTimeOffset now, long second, long overflow,
        IReadOnlyList<GroupSize>? largestGroups = null, IReadOnlyList<NamedCount>? groupsPerHub = null)
    {
        var byInstrument = series.ToLookup(s => s.Instrument, StringComparer.Ordinal);
        return new DashboardSnapshot(
            now,
            BuildConnections(byInstrument),
            BuildInvocations(byInstrument, second),
            BuildMessages(byInstrument, second),
            BuildSlowConsumers(byInstrument, second),
            BuildRedis(byInstrument, second),
            BuildGroups(byInstrument, second, largestGroups ?? [], groupsPerHub ?? []),
            BuildInstruments(series, second),
            series.Select(s => s.Instrument).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            overflow);
    }

    private static ConnectionStats BuildConnections(ILookup<string, MetricSeries> series)
    {
        var live = series[Connections].ToList();
        return new ConnectionStats(
            live.Sum(s => s.Value),
            Counts(live, "signalr.transport"),
            Counts(live.Where(s => s.Attribute("signalr.hub") is not null), "signalr.hub"),
            Counts(series[ConnectionDuration], "signalr.connection.status"));
    }

    private static InvocationStats BuildInvocations(ILookup<string, MetricSeries> series, long second)
    {
        var counts = series[Invocations].ToList();
        var durations = series[InvocationDuration].ToList();
        var methods = new List<MethodStats>();
        var countsByMethod = counts.ToLookup(MethodKey);
        var durationsByMethod = durations.ToLookup(MethodKey);
        var samples = new List<double>(LatencyReservoir.Capacity);
        foreach (var (hub, method) in counts.Concat(durations).Select(MethodKey).Distinct())
        {
            var mine = countsByMethod[(hub, method)].ToList();
            var timed = durationsByMethod[(hub, method)].ToList();
            samples.Clear();
            foreach (var s in timed)
            {
                s.Reservoir!.CopyTo(samples);
            }

            samples.Sort();
            methods.Add(new MethodStats(
                hub,
                method,
                mine.Count > 0 ? mine.Sum(s => s.Value) : timed.Sum(s => s.Value),
                mine.Count > 0 ? mine.Sum(s => s.Rate!.PerSecond(second)) : timed.Sum(s => s.Rate!.PerSecond(second)),
                mine.Where(IsError).Sum(s => s.Value),
                Milliseconds(LatencyReservoir.Percentile(samples, 0.50)),
                Milliseconds(LatencyReservoir.Percentile(samples, 0.95)),
                Milliseconds(LatencyReservoir.Percentile(samples, 0.99)),
                samples.Count));
        }

        return new InvocationStats(
            counts.Sum(s => s.Rate!.PerSecond(second)),
            counts.Sum(s => s.Value),
            counts.Where(IsError).Sum(s => s.Value),
            methods.OrderByDescending(m => m.Total).ThenBy(m => m.Hub, StringComparer.Ordinal).ThenBy(m => m.Method, StringComparer.Ordinal).Take(MaxRows).ToList());
    }

    private static MessageStats BuildMessages(ILookup<string, MetricSeries> series, long second)
    {
        var messages = series[Messages].ToList();
        var rows = messages
            .GroupBy(s => (Hub: s.Attribute("signalr.hub") ?? None, Protocol: s.Attribute("signalrlite.protocol") ?? None, Direction: s.Attribute("signalrlite.direction") ?? None))
            .Select(g => new MessageRow(g.Key.Hub, g.Key.Protocol, g.Key.Direction, g.Sum(s => s.Rate!.PerSecond(second)), g.Sum(s => s.Value)))
            .OrderByDescending(r => r.Total)
            .Take(MaxRows)
            .ToList();
        return new MessageStats(messages.Sum(s => s.Rate!.PerSecond(second)), messages.Sum(s => s.Value), rows);
    }

    private static SlowConsumerStats BuildSlowConsumers(ILookup<string, MetricSeries> series, long second)
    {
        var closes = series[SlowConsumerCloses].ToList();
        var queued = series[OutboundQueue].ToList();
        var byHub = closes.Concat(queued)
            .GroupBy(s => s.Attribute("signalr.hub") ?? None, StringComparer.Ordinal)
            .Select(g => new HubSlowConsumers(
                g.Key,
                g.Where(s => s.Instrument == SlowConsumerCloses).Sum(s => s.Value),
                g.Where(s => s.Instrument == OutboundQueue).Sum(s => s.Value)))
            .OrderBy(h => h.Hub, StringComparer.Ordinal)
            .ToList();
        return new SlowConsumerStats(closes.Sum(s => s.Value), closes.Sum(s => s.Rate?.PerSecond(second) ?? 0), queued.Sum(s => s.Value), byHub);
    }

    private static RedisStats BuildRedis(ILookup<string, MetricSeries> series, long second)
    {
        var publishes = series[RedisPublishes].ToList();
        var received = series[RedisReceived].ToList();
        var samples = new List<double>();
        foreach (var s in series[RedisPublishDuration])
        {
            s.Reservoir!.CopyTo(samples);
        }

        samples.Sort();
        var channels = publishes.Concat(received)
            .GroupBy(s => s.Attribute("signalrlite.channel_kind") ?? None, StringComparer.Ordinal)
            .Select(g => new ChannelRow(
                g.Key,
                g.Where(s => s.Instrument == RedisPublishes).Sum(s => s.Rate!.PerSecond(second)),
                g.Where(s => s.Instrument == RedisReceived).Sum(s => s.Rate!.PerSecond(second)),
                g.Where(s => s.Instrument == RedisPublishes).Sum(s => s.Value),
                g.Where(s => s.Instrument == RedisReceived).Sum(s => s.Value)))
            .OrderBy(c => c.Kind, StringComparer.Ordinal)
            .ToList();
        var present = series.Any(g => g.Key.StartsWith("signalrlite.redis.", StringComparison.Ordinal));
        return new RedisStats(
            present,
            publishes.Sum(s => s.Rate!.PerSecond(second)),
            received.Sum(s => s.Rate!.PerSecond(second)),
            series[RedisReconnects].Sum(s => s.Value),
            series[RedisAckTimeouts].Sum(s => s.Value),
            Milliseconds(LatencyReservoir.Percentile(samples, 0.50)),
            Milliseconds(LatencyReservoir.Percentile(samples, 0.99)),
            channels);
    }

    private static GroupStats BuildGroups(ILookup<string, MetricSeries> series, long second, IReadOnlyList<GroupSize> largest, IReadOnlyList<NamedCount> perHub)
    {
        var sends = series[Sends].Where(IsGroupTarget).ToList();
        var fanOut = new List<double>();
        foreach (var s in series[FanOut].Where(IsGroupTarget))
        {
            s.Reservoir!.CopyTo(fanOut);
        }

        fanOut.Sort();
        return new GroupStats(
            sends.Sum(s => s.Rate!.PerSecond(second)),
            sends.Sum(s => s.Value),
            LatencyReservoir.Percentile(fanOut, 0.50),
            LatencyReservoir.Percentile(fanOut, 0.99),
            perHub,
            largest,
            GroupNote);
    }

    private static List<InstrumentRow> BuildInstruments(IReadOnlyCollection<MetricSeries> series, long second)
    {
        var rows = new List<InstrumentRow>();
        var samples = new List<double>(LatencyReservoir.Capacity);
        foreach (var s in series.OrderBy(s => s.Instrument, StringComparer.Ordinal).ThenByDescending(s => s.Value))
        {
            samples.Clear();
            s.Reservoir?.CopyTo(samples);
            samples.Sort();
            rows.Add(new InstrumentRow(
                s.Meter,
                s.Instrument,
                s.Kind.ToString(),
                string.Join(", ", s.Attributes.Select(a => a.Key + "=" + a.Value)),
                s.Value,
                s.Rate?.PerSecond(second),
                LatencyReservoir.Percentile(samples, 0.50),
                LatencyReservoir.Percentile(samples, 0.99)));
            if (rows.Count == MaxRows)
            {
                break;
            }
        }

        return rows;
    }

    private static List<NamedCount> Counts(IEnumerable<MetricSeries> series, string attribute) =>
        series.GroupBy(s => s.Attribute(attribute) ?? None, StringComparer.Ordinal)
            .Select(g => new NamedCount(g.Key, g.Sum(s => s.Value)))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();

    private static (string Hub, string Method) MethodKey(MetricSeries s) =>
        (s.Attribute("signalr.hub") ?? None, s.Attribute("signalr.method") ?? None);

    private static bool IsError(MetricSeries s) => s.Attribute("signalrlite.outcome") is { } outcome && outcome != "success";

    private static bool IsGroupTarget(MetricSeries s) => s.Attribute("signalrlite.target") is "group" or "group_except" or "groups";

    private static double? Milliseconds(double? seconds) => seconds * 1000;
}
