using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>
/// The backplane's metrics, on the <c>SignalRLite</c> meter of the app's <see cref="IMeterFactory"/> (the factory returns
/// the core's meter for the same name, so they share it), and its spans, on the activity source
/// <c>SignalRLite.StackExchangeRedis</c>: a Producer span per published hub send, whose W3C trace context travels in the
/// envelope, and a Consumer span, parented by that context, around the local fan-out on each receiving server.
/// See docs/observability.md for the catalogue.
/// </summary>
/// <remarks>
/// Stateless after construction (no lock); the instruments and the source are thread-safe. Every recording first asks
/// the instrument (or the source) whether anybody listens, so nothing is allocated or timed when nobody does.
/// </remarks>
internal sealed class RedisTelemetry : IDisposable
{
    public const string MeterName = "SignalRLite";
    public const string ActivitySourceName = "SignalRLite.StackExchangeRedis";
    public const string PublishActivityName = ActivitySourceName + ".Publish";
    public const string ProcessActivityName = ActivitySourceName + ".Process";

    private static readonly ActivitySource Source = new(ActivitySourceName);
    private static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    private static readonly KeyValuePair<string, object?>[] KindTags =
        [.. Enum.GetValues<RedisChannelKind>().Select(k => new KeyValuePair<string, object?>(RedisChannelKindNames.Attribute, k.Name()))];

    private readonly Meter? _ownedMeter;
    private readonly TimeProvider _time;
    private readonly string _hubName;
    private readonly Counter<long> _publishes;
    private readonly Counter<long> _received;
    private readonly Histogram<double> _publishDuration;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _ackTimeouts;
    private readonly Counter<long> _publishFailures;
    private readonly Histogram<long> _fanOut;

    /// <summary>Without a factory the meter is this instance's own (a listener that matches by name still sees it).</summary>
    public RedisTelemetry(IMeterFactory? meterFactory, TimeProvider timeProvider, string hubName)
    {
        _time = timeProvider;
        _hubName = hubName;
        Meter meter;
        if (meterFactory is null)
        {
            meter = _ownedMeter = new Meter(MeterName);
        }
        else
        {
            meter = meterFactory.Create(MeterName);
        }

        _publishes = meter.CreateCounter<long>("signalrlite.redis.publishes", "{message}", "Messages this server published to the Redis backplane.");
        _received = meter.CreateCounter<long>("signalrlite.redis.received", "{message}", "Backplane messages this server received from Redis.");
        _publishDuration = meter.CreateHistogram<double>("signalrlite.redis.publish.duration", "s", "Time Redis took to accept a publish.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _reconnects = meter.CreateCounter<long>("signalrlite.redis.reconnects", "{reconnect}", "Times the backplane's pub/sub connection to a Redis endpoint was restored.");
        _publishFailures = meter.CreateCounter<long>("signalrlite.redis.publish_failures", "{message}", "Publishes to the Redis backplane that failed (Redis down, hung or timed out); the send that caused each one failed with an error.");
        _ackTimeouts = meter.CreateCounter<long>("signalrlite.redis.ack_timeouts", "{ack}", "Group changes for a connection on another server that were not acknowledged in time.");
        // The core's instrument (same meter, name and parameters): recorded here for this server's local deliveries.
        _fanOut = FanOutHistogram.Create(meter);
    }

    /// <summary>Whether a listener wants the backplane's spans: only then is a trace context written or read.</summary>
    public static bool IsTracing => Source.HasListeners();

    /// <summary>A timestamp to pass to <see cref="Published"/>; 0 when the duration is not listened to.</summary>
    public long StartPublish() => _publishDuration.Enabled ? _time.GetTimestamp() : 0;

    public void Published(RedisChannelKind kind, long startTimestamp)
    {
        var tag = KindTags[(int)kind];
        if (_publishes.Enabled)
        {
            _publishes.Add(1, tag);
        }

        if (startTimestamp != 0 && _publishDuration.Enabled)
        {
            _publishDuration.Record(_time.GetElapsedTime(startTimestamp).TotalSeconds, tag);
        }
    }

    public void PublishFailed(RedisChannelKind kind, Exception exception)
    {
        if (_publishFailures.Enabled)
        {
            _publishFailures.Add(1, KindTags[(int)kind], new KeyValuePair<string, object?>("error.type", exception.GetType().FullName));
        }
    }

    public void Received(RedisChannelKind kind)
    {
        if (_received.Enabled)
        {
            _received.Add(1, KindTags[(int)kind]);
        }
    }

    public void Reconnected()
    {
        if (_reconnects.Enabled)
        {
            _reconnects.Add(1);
        }
    }

    public void AckTimedOut()
    {
        if (_ackTimeouts.Enabled)
        {
            _ackTimeouts.Add(1);
        }
    }

    /// <summary>
    /// One local delivery (a backplane message received here, or the local part of a Clients(ids) send) was written to
    /// <paramref name="connections"/> connections of this server: the registry's fan-out observer.
    /// </summary>
    public void FannedOut(HubClientSelection target, int connections) => FanOutHistogram.Record(_fanOut, _hubName, target, connections);

    /// <summary>Starts the Producer span of a hub send (a child of the current activity), or null when nobody listens.</summary>
    public Activity? StartProducer(RedisChannelKind kind)
    {
        var activity = Source.StartActivity(PublishActivityName, ActivityKind.Producer);
        if (activity is not null)
        {
            activity.DisplayName = "publish " + kind.Name();
            Tag(activity, kind, "publish");
        }

        return activity;
    }

    /// <summary>
    /// Starts the Consumer span of a received hub send, parented by the sender's trace context when the envelope
    /// carried one, else a root (never the activity that happened to be current when the channel was subscribed).
    /// </summary>
    public Activity? StartConsumer(RedisChannelKind kind, RedisTraceContext trace)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity.Current = null;
        ActivityContext.TryParse(trace.TraceParent, trace.TraceState, isRemote: true, out var parent);
        var activity = Source.StartActivity(ProcessActivityName, ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.DisplayName = "process " + kind.Name();
            Tag(activity, kind, "process");
        }

        return activity;
    }

    /// <summary>Marks <paramref name="activity"/> failed with <paramref name="exception"/>, as the hub invocation spans are.</summary>
    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", exception.GetType().FullName);
        }
    }

    public void Dispose() => _ownedMeter?.Dispose();

    private void Tag(Activity activity, RedisChannelKind kind, string operation)
    {
        if (activity.IsAllDataRequested)
        {
            activity.SetTag("messaging.system", "redis");
            activity.SetTag("messaging.operation.type", operation);
            activity.SetTag(RedisChannelKindNames.Attribute, kind.Name());
            activity.SetTag("signalr.hub", _hubName);
        }
    }
}
