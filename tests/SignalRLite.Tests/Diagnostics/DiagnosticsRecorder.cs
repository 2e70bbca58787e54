using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace SignalRLite.Tests.Diagnostics;

/// <summary>
/// Records, black-box, what one server emits: the measurements of the meter <see cref="MeterName"/> created by that
/// server's <see cref="IMeterFactory"/> (so a server running beside it in the same process is not mixed in), and the
/// activities of <see cref="ServerSourceName"/> whose hub is <see cref="HubName"/>.
/// </summary>
internal sealed class DiagnosticsRecorder : IDisposable
{
    public const string MeterName = "Microsoft.AspNetCore.Http.Connections";
    public const string ServerSourceName = "Microsoft.AspNetCore.SignalR.Server";
    public const string ClientSourceName = "Microsoft.AspNetCore.SignalR.Client";
    public const string HostingSourceName = "Microsoft.AspNetCore";

    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private readonly ConcurrentQueue<Measurement> _measurements = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentQueue<Activity> _clientStopped = new();
    private readonly ConcurrentQueue<Activity> _requests = new();
    private readonly object _scope;
    private readonly Lock _lock = new();
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public DiagnosticsRecorder(object meterFactory, string hubName, string meterName = MeterName)
    {
        _scope = meterFactory;
        HubName = hubName;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && ReferenceEquals(instrument.Meter.Scope, _scope))
            {
                if (instrument is Histogram<double> histogram)
                {
                    DurationBuckets = histogram.Advice?.HistogramBucketBoundaries?.ToArray();
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _meters.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
        _meters.Start();

        _activities = new ActivityListener
        {
            // The hosting source too, so that requests have activities that hub activities could (wrongly) nest under.
            ShouldListenTo = source => source.Name is ServerSourceName or ClientSourceName or HostingSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity =>
            {
                if (activity.Source.Name == HostingSourceName)
                {
                    _requests.Enqueue(activity);
                }
            },
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == ClientSourceName)
                {
                    _clientStopped.Enqueue(activity);
                }
                else if (activity.Source.Name == ServerSourceName && activity.TagObjects.Any(t => t.Value is string v && v.Contains(HubName, StringComparison.Ordinal)) || activity.DisplayName.Contains(HubName, StringComparison.Ordinal))
                {
                    _stopped.Enqueue(activity);
                }

                Signal();
            },
        };
        ActivitySource.AddActivityListener(_activities);
    }

    public string HubName { get; }

    /// <summary>The bucket boundaries the duration histogram advises, once it was published.</summary>
    public double[]? DurationBuckets { get; private set; }

    public IReadOnlyList<Measurement> Measurements => [.. _measurements];

    public IReadOnlyList<Activity> Activities => [.. _stopped];

    public IReadOnlyList<Activity> ClientActivities => [.. _clientStopped];

    /// <summary>HTTP request activities of the hosting layer, started (some never stop while a connection lives).</summary>
    public IReadOnlyList<Activity> Requests => [.. _requests];

    /// <summary>Completes when <paramref name="condition"/> holds after a measurement or an activity arrived.</summary>
    public Task WaitForAsync(Func<DiagnosticsRecorder, bool> condition, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (condition(this))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((() => condition(this), done));
        }

        return done.Task.WaitAsync(timeout);
    }

    private void Add<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var sorted = tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => $"{t.Key}={Convert.ToString(t.Value, CultureInfo.InvariantCulture)}").ToArray();
        _measurements.Enqueue(new Measurement(instrument.Name, instrument.GetType().Name, instrument.Unit, instrument.Description,
            Convert.ToDouble(value, CultureInfo.InvariantCulture), string.Join(",", sorted)));
        Signal();
    }

    private void Signal()
    {
        List<TaskCompletionSource> ready = [];
        lock (_lock)
        {
            _waiters.RemoveAll(w =>
            {
                if (!w.Condition())
                {
                    return false;
                }

                ready.Add(w.Done);
                return true;
            });
        }

        foreach (var done in ready)
        {
            done.TrySetResult();
        }
    }

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }

    public sealed record Measurement(string Instrument, string Type, string? Unit, string? Description, double Value, string Tags);
}
