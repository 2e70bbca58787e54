using System.Diagnostics;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>
/// The W3C trace context of a sender's Producer span as it travels in an envelope's trailer: <c>traceparent</c> (null
/// when the envelope has none, as every envelope of an older server) and <c>tracestate</c>.
/// </summary>
internal readonly record struct RedisTraceContext(string? TraceParent, string? TraceState)
{
    /// <summary>The context of <paramref name="activity"/> when it has a W3C id; else none.</summary>
    public static RedisTraceContext From(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? new(id, activity.TraceStateString) : default;
}
