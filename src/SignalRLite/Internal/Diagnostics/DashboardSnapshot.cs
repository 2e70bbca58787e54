using System.Text.Json.Serialization;

namespace SignalRLite.Internal.Diagnostics;

/// <summary>
/// What the dashboard page shows, as of <see cref="Time"/>. Durations in milliseconds. <see cref="Present"/> names the
/// instruments that reported anything (the page shows the others as empty rather than as zero).
/// </summary>
internal sealed record DashboardSnapshot(
    DateTimeOffset Time,
    ConnectionStats Connections,
    InvocationStats Invocations,
    MessageStats Messages,
    SlowConsumerStats SlowConsumers,
    RedisStats Redis,
    GroupStats Groups,
    IReadOnlyList<InstrumentRow> Instruments,
    IReadOnlyList<string> Present,
    long OverflowMeasurements);

/// <summary>A count under a name (a transport, a hub, a status).</summary>
internal sealed record NamedCount(string Name, double Count);

internal sealed record ConnectionStats(
    double Live,
    IReadOnlyList<NamedCount> ByTransport,
    IReadOnlyList<NamedCount> ByHub,
    IReadOnlyList<NamedCount> ClosedByStatus);

internal sealed record MethodStats(
    string Hub,
    string Method,
    double Total,
    double PerSecond,
    double Errors,
    double? P50,
    double? P95,
    double? P99,
    int Samples);

internal sealed record InvocationStats(double PerSecond, double Total, double Errors, IReadOnlyList<MethodStats> Methods);

internal sealed record MessageRow(string Hub, string Protocol, string Direction, double PerSecond, double Total);

internal sealed record MessageStats(double PerSecond, double Total, IReadOnlyList<MessageRow> Rows);

internal sealed record HubSlowConsumers(string Hub, double Closes, double Queued);

internal sealed record SlowConsumerStats(double Closes, double ClosesPerSecond, double Queued, IReadOnlyList<HubSlowConsumers> ByHub);

internal sealed record ChannelRow(string Kind, double PublishesPerSecond, double ReceivedPerSecond, double Publishes, double Received);

internal sealed record RedisStats(
    bool Present,
    double PublishesPerSecond,
    double ReceivedPerSecond,
    double Reconnects,
    double AckTimeouts,
    double? PublishP50,
    double? PublishP99,
    IReadOnlyList<ChannelRow> Channels);

internal sealed record GroupStats(
    double SendsPerSecond,
    double Sends,
    double? FanOutP50,
    double? FanOutP99,
    IReadOnlyList<NamedCount> GroupsByHub,
    IReadOnlyList<GroupSize> Largest,
    string Note);

internal sealed record InstrumentRow(string Meter, string Instrument, string Kind, string Attributes, double Value, double? PerSecond, double? P50, double? P99);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DashboardSnapshot))]
[JsonSerializable(typeof(string))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
