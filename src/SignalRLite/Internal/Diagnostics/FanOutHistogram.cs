using System.Diagnostics.Metrics;

// Shared source, like HubConnectionRegistry: compiled into the core and into SignalRLite.StackExchangeRedis, so that
// both record `signalrlite.server.send.fan_out` with the same unit, description, buckets and attribute values.
#if SIGNALRLITE_STACKEXCHANGEREDIS
using SignalRLite.StackExchangeRedis.Internal;

namespace SignalRLite.StackExchangeRedis.Internal;
#else
using SignalRLite.Internal.Hubs;

namespace SignalRLite.Internal.Diagnostics;
#endif

/// <summary>
/// The <c>signalrlite.server.send.fan_out</c> histogram of the <c>SignalRLite</c> meter: per send to a selection (or,
/// with a backplane, per backplane message delivered here), the connections of this server it was written to.
/// Stateless.
/// </summary>
internal static class FanOutHistogram
{
    public const string Name = "signalrlite.server.send.fan_out";

    public static Histogram<long> Create(Meter meter) => meter.CreateHistogram<long>(
        Name,
        unit: "{connection}",
        description: "Connections of this server a send was written to, by target kind.",
        tags: null,
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] });

    /// <summary>Records one fan-out when somebody listens (nothing is allocated otherwise: the tags live on the stack).</summary>
    public static void Record(Histogram<long> histogram, string hub, HubClientSelection target, long connections)
    {
        if (histogram.Enabled)
        {
            histogram.Record(connections, new KeyValuePair<string, object?>("signalr.hub", hub), new KeyValuePair<string, object?>("signalrlite.target", HubClientSelectionNames.Of(target)));
        }
    }

}
