using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SignalRLite.Tests.Redis;

/// <summary>
/// Records the <c>SignalRLite</c> meter's measurements of the given servers (matched by the meter's scope, the server's
/// <see cref="IMeterFactory"/>, so servers of tests running in parallel are not mixed in) and every activity stopped on
/// the backplane's, the core's (<c>SignalRLite</c>), the hub server's, the official client's and the tests' own sources.
/// </summary>
internal sealed class RedisTelemetryRecorder : IDisposable
{
    /// <summary>The name of an activity source a test creates for its own root activities.</summary>
    public const string TestSourceName = "SignalRLite.Tests.Redis";

    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private readonly object[] _scopes;
    private readonly ConcurrentQueue<RedisMeasurement> _measurements = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly Lock _lock = new();
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];

    /// <summary>Records the measurements of the servers whose meter factories are <paramref name="meterFactories"/>, by index.</summary>
    public RedisTelemetryRecorder(params IMeterFactory[] meterFactories)
    {
        _scopes = meterFactories;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "SignalRLite" && Array.IndexOf(_scopes, instrument.Meter.Scope) >= 0)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _meters.Start();

        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name is TestSourceName or "SignalRLite" or "SignalRLite.StackExchangeRedis" or "Microsoft.AspNetCore.SignalR.Server" or "Microsoft.AspNetCore.SignalR.Client",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                _stopped.Enqueue(activity);
                Signal();
            },
        };
        ActivitySource.AddActivityListener(_activities);
    }

    public IReadOnlyList<RedisMeasurement> Measurements => [.. _measurements];

    public IReadOnlyList<Activity> Activities => [.. _stopped];

    /// <summary>The measurements of <paramref name="instrument"/> on server <paramref name="server"/>.</summary>
    public IReadOnlyList<RedisMeasurement> Of(int server, string instrument) =>
        [.. _measurements.Where(m => m.Server == server && m.Instrument == instrument)];

    /// <summary>Completes when <paramref name="condition"/> holds after a measurement or an activity arrived.</summary>
    public Task WaitForAsync(Func<RedisTelemetryRecorder, bool> condition, TimeSpan timeout)
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

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }

    private void Add<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        string? kind = null;
        string? target = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "signalrlite.channel_kind")
            {
                kind = (string?)tag.Value;
            }
            else if (tag.Key == "signalrlite.target")
            {
                target = (string?)tag.Value;
            }
        }

        _measurements.Enqueue(new RedisMeasurement(Array.IndexOf(_scopes, instrument.Meter.Scope), instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), kind, tags.Length, target));
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
}

/// <summary>
/// One measurement: the server's index, the instrument, the value, its <c>signalrlite.channel_kind</c>, how many
/// attributes it had and its <c>signalrlite.target</c>.
/// </summary>
internal readonly record struct RedisMeasurement(int Server, string Instrument, double Value, string? ChannelKind, int TagCount, string? Target = null);
