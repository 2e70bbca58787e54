using System.Diagnostics.Metrics;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>Why a connection ended, as the <c>signalr.connection.status</c> attribute names it.</summary>
internal enum ConnectionEndReason
{
    NormalClosure,
    Timeout,
    AppShutdown,
}

/// <summary>
/// The connection metrics of the official server, under its meter name so that existing OpenTelemetry and
/// <c>dotnet-counters</c> configuration keeps working: <c>signalr.server.active_connections</c> and
/// <c>signalr.server.connection.duration</c> (OpenTelemetry semantic conventions for SignalR), with the attributes
/// <c>signalr.transport</c> and <c>signalr.connection.status</c>. A connection counts from the start of its first
/// transport request to its end; a negotiated connection that never connects is not counted (as on the official server,
/// checked black-box by <c>OfficialMetricsComparisonTests</c>).
/// </summary>
/// <remarks>Stateless after construction; the instruments are thread-safe. Nothing is allocated when no listener is attached.</remarks>
internal sealed class HttpConnectionsMetrics
{
    public const string MeterName = "Microsoft.AspNetCore.Http.Connections";

    private static readonly double[] DurationBuckets = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

    private readonly UpDownCounter<long> _active;
    private readonly Histogram<double> _duration;

    public HttpConnectionsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _active = meter.CreateUpDownCounter<long>(
            "signalr.server.active_connections",
            unit: "{connection}",
            description: "Number of connections that are currently active on the server.");
        _duration = meter.CreateHistogram<double>(
            "signalr.server.connection.duration",
            unit: "s",
            description: "The duration of connections on the server.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    public void ConnectionStarted(HttpTransportType transport)
    {
        if (_active.Enabled)
        {
            _active.Add(1, new KeyValuePair<string, object?>("signalr.transport", TransportName(transport)));
        }
    }

    public void ConnectionEnded(HttpTransportType transport, ConnectionEndReason reason, TimeSpan duration)
    {
        var transportTag = new KeyValuePair<string, object?>("signalr.transport", TransportName(transport));
        if (_active.Enabled)
        {
            _active.Add(-1, transportTag);
        }

        if (_duration.Enabled)
        {
            _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("signalr.connection.status", StatusName(reason)), transportTag);
        }
    }

    private static string TransportName(HttpTransportType transport) => transport switch
    {
        HttpTransportType.WebSockets => "web_sockets",
        HttpTransportType.ServerSentEvents => "server_sent_events",
        HttpTransportType.LongPolling => "long_polling",
        _ => "unknown",
    };

    private static string StatusName(ConnectionEndReason reason) => reason switch
    {
        ConnectionEndReason.Timeout => "timeout",
        ConnectionEndReason.AppShutdown => "app_shutdown",
        _ => "normal_closure",
    };
}
