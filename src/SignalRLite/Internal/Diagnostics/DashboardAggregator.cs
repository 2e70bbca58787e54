using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using SignalRLite.Internal.Transports;

namespace SignalRLite.Internal.Diagnostics;

/// <summary>
/// Aggregates, in process, the measurements of the meters <c>Microsoft.AspNetCore.Http.Connections</c> and
/// <c>SignalRLite</c> that the application's <see cref="IMeterFactory"/> created (the meter's scope is that factory,
/// so other applications in the process are not mixed in), by instrument and attribute set, for the dashboard.
/// One per application (a DI singleton); it listens only from the first <see cref="Snapshot"/> on.
/// </summary>
/// <remarks>
/// Invariants (under <c>_lock</c>):
/// <list type="bullet">
/// <item>Each key of <c>_series</c> is its series' instrument and canonical attribute string; each series is in it once.</item>
/// <item>Per instrument, <c>_seriesPerInstrument</c> counts the series, at most <see cref="MaxSeriesPerInstrument"/>
/// plus the one overflow series that absorbs measurements of further attribute sets (counted in <c>_overflow</c>).</item>
/// <item>Every series is mutated only under the lock (the listener's callbacks run on the recording threads).</item>
/// </list>
/// </remarks>
internal sealed class DashboardAggregator : IDisposable
{
    public const string SignalRLiteMeterName = "SignalRLite";
    public const int MaxSeriesPerInstrument = 1000;

    private static readonly KeyValuePair<string, string>[] OverflowAttributes = [new("signalrlite.dashboard", "overflow")];

    private readonly object _lock = new();
    private readonly IMeterFactory _meterFactory;
    private readonly HubGroupDirectory? _groups;
    private readonly TimeProvider _time;
    private readonly MeterListener _listener;
    private readonly Dictionary<string, MetricSeries> _series = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _seriesPerInstrument = new(StringComparer.Ordinal);
    private long _overflow;
    private int _started;

    public DashboardAggregator(IMeterFactory meterFactory, TimeProvider time, SignalRLiteMetrics? metrics = null)
    {
        _meterFactory = meterFactory;
        _groups = metrics?.GroupDirectory;
        _time = time;
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<float>((instrument, value, tags, _) => Record(instrument, value, tags));
    }

    public bool IsStarted => Volatile.Read(ref _started) == 1;

    /// <summary>Starts listening (once); the instruments that already exist are picked up too.</summary>
    public void EnsureStarted()
    {
        if (Interlocked.CompareExchange(ref _started, 1, 0) == 0)
        {
            _listener.Start();
        }
    }

    /// <summary>The current aggregate (starts listening if it was not yet).</summary>
    public DashboardSnapshot Snapshot()
    {
        EnsureStarted();
        // Observable instruments report through the callbacks, which take the lock: outside it.
        _listener.RecordObservableInstruments();
        // Group sizes are read from the registries now, once per snapshot (outside the lock: they are thread-safe).
        (IReadOnlyList<GroupSize> Largest, IReadOnlyList<NamedCount> GroupsPerHub) groups =
            _groups is null ? ([], []) : _groups.Read(DashboardSnapshotBuilder.LargestGroupsPerHub);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            AssertInvariants();
            return DashboardSnapshotBuilder.Build(_series.Values, now, now.ToUnixTimeSeconds(), _overflow, groups.Largest, groups.GroupsPerHub);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (ReferenceEquals(instrument.Meter.Scope, _meterFactory)
            && instrument.Meter.Name is HttpConnectionsMetrics.MeterName or SignalRLiteMeterName)
        {
            listener.EnableMeasurementEvents(instrument);
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var attributes = Canonical(tags);
        var key = Key(instrument.Name, attributes);
        var second = _time.GetUtcNow().ToUnixTimeSeconds();
        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var series))
            {
                _seriesPerInstrument.TryGetValue(instrument.Name, out var count);
                if (count >= MaxSeriesPerInstrument)
                {
                    _overflow++;
                    attributes = OverflowAttributes;
                    key = Key(instrument.Name, attributes);
                }
                else
                {
                    _seriesPerInstrument[instrument.Name] = count + 1;
                }

                if (!_series.TryGetValue(key, out series))
                {
                    series = new MetricSeries(instrument.Meter.Name, instrument.Name, MetricSeries.KindOf(instrument), attributes);
                    _series.Add(key, series);
                }
            }

            series.Record(value, second);
            AssertInvariants();
        }
    }

    private static KeyValuePair<string, string>[] Canonical(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return [];
        }

        var attributes = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            attributes[i] = new(tags[i].Key, Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        Array.Sort(attributes, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return attributes;
    }

    private static string Key(string instrument, KeyValuePair<string, string>[] attributes)
    {
        var builder = new StringBuilder(instrument);
        foreach (var pair in attributes)
        {
            builder.Append('\u001f').Append(pair.Key).Append('=').Append(pair.Value);
        }

        return builder.ToString();
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        foreach (var (instrument, count) in _seriesPerInstrument)
        {
            Debug.Assert(count <= MaxSeriesPerInstrument, $"{instrument} has {count} attribute sets");
        }

        Debug.Assert(_series.Count <= _seriesPerInstrument.Values.Sum() + _seriesPerInstrument.Count, "an overflow series per instrument at most");
        Debug.Assert(_overflow >= 0);
    }
}
