using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ChaosServer;

/// <summary>
/// Sums of the SignalRLite meter's counters in this process (the tests read them through GET /metrics), by instrument
/// name, and for the invocation counter also by method and outcome: <c>signalrlite.server.invocations;All;unhandled</c>.
/// </summary>
public sealed class ChaosMetrics : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();

    public ChaosMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "SignalRLite" && instrument is Counter<long> or UpDownCounter<long>)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
            string? method = null, outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "signalr.method")
                {
                    method = tag.Value as string;
                }
                else if (tag.Key == "signalrlite.outcome")
                {
                    outcome = tag.Value as string;
                }
            }

            if (method is not null && outcome is not null)
            {
                _sums.AddOrUpdate($"{instrument.Name};{method};{outcome}", value, (_, sum) => sum + value);
            }
        });
        _listener.Start();
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_sums, StringComparer.Ordinal);

    public void Dispose() => _listener.Dispose();
}
