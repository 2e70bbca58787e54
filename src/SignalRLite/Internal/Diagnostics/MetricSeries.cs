using System.Diagnostics.Metrics;

namespace SignalRLite.Internal.Diagnostics;

/// <summary>How the dashboard aggregates an instrument's measurements.</summary>
internal enum SeriesKind
{
    /// <summary>A monotonic counter: a total and a rate per second.</summary>
    Sum,

    /// <summary>An up-down counter: the current value (the sum of all increments).</summary>
    UpDown,

    /// <summary>A histogram: a count and a reservoir of recent values for percentiles.</summary>
    Histogram,

    /// <summary>A gauge or an observable instrument: the last reported value.</summary>
    Last,
}

/// <summary>
/// The aggregate of one instrument for one set of attributes. Not thread-safe: guarded by the lock of
/// <see cref="DashboardAggregator"/>, which creates and mutates every series.
/// </summary>
internal sealed class MetricSeries(string meter, string instrument, SeriesKind kind, KeyValuePair<string, string>[] attributes)
{
    public string Meter { get; } = meter;

    public string Instrument { get; } = instrument;

    public SeriesKind Kind { get; } = kind;

    /// <summary>Attributes sorted by key; values as strings.</summary>
    public KeyValuePair<string, string>[] Attributes { get; } = attributes;

    /// <summary>Sum: the total; UpDown: the current value (never below 0); Histogram: the number of values; Last: the last value.</summary>
    public double Value { get; private set; }

    public RateWindow? Rate { get; } = kind is SeriesKind.Sum or SeriesKind.Histogram ? new RateWindow() : null;

    public LatencyReservoir? Reservoir { get; } = kind == SeriesKind.Histogram ? new LatencyReservoir() : null;

    public string? Attribute(string key)
    {
        foreach (var pair in Attributes)
        {
            if (pair.Key == key)
            {
                return pair.Value;
            }
        }

        return null;
    }

    public void Record(double value, long second)
    {
        switch (Kind)
        {
            case SeriesKind.Sum:
                Value += value;
                Rate!.Add(value, second);
                break;
            case SeriesKind.UpDown:
                // The aggregator starts listening on the first dashboard request: a connection (or queued message) that
                // existed before is seen leaving but was never seen arriving. Not below zero, then.
                Value = Math.Max(0, Value + value);
                break;
            case SeriesKind.Histogram:
                Value += 1;
                Rate!.Add(1, second);
                Reservoir!.Add(value);
                break;
            default:
                Value = value;
                break;
        }
    }

    public static SeriesKind KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (definition == typeof(Counter<>))
        {
            return SeriesKind.Sum;
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return SeriesKind.UpDown;
        }

        return definition == typeof(Histogram<>) ? SeriesKind.Histogram : SeriesKind.Last;
    }
}
