using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SignalRLite.Internal.Diagnostics;

/// <summary>How an invocation ended, as the <c>signalrlite.outcome</c> attribute names it.</summary>
internal enum InvocationOutcome
{
    Success,
    HubException,
    Unhandled,
    Cancelled,
    BindingFailure,
    UnknownMethod,
    Unauthorized,
}

/// <summary>Why a handshake failed, as the <c>signalrlite.reason</c> attribute names it.</summary>
internal enum HandshakeFailureReason
{
    UnsupportedProtocol,
    UnsupportedVersion,
    Malformed,
    Timeout,
    TransferFormat,
}

/// <summary>
/// The hub runtime's instruments of the <c>SignalRLite</c> meter (docs/observability.md, "The <c>SignalRLite</c>
/// meter"), created once on the meter of the app's <see cref="IMeterFactory"/> (the backplane package adds its own
/// instruments to the same meter). Every recording first checks <see cref="Instrument.Enabled"/>: with nobody
/// listening nothing is timestamped, tagged or allocated. Tags are built in a <see cref="TagList"/> on the stack from
/// cached strings (hub type name, method descriptor name, constant attribute values).
/// </summary>
/// <remarks>
/// Stateless after construction but for <see cref="GroupDirectory"/> (thread-safe on its own); the instruments are
/// thread-safe.
/// </remarks>
internal sealed class SignalRLiteMetrics : IDisposable
{
    public const string MeterName = "SignalRLite";

    /// <summary>The <c>signalr.method</c> of an invocation whose target is no method of the hub (bounded cardinality).</summary>
    public const string OtherMethod = "_OTHER";

    private const string Hub = "signalr.hub";
    private const string Method = "signalr.method";
    private const string Outcome = "signalrlite.outcome";
    private const string Direction = "signalrlite.direction";

    private static readonly double[] InvocationBuckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Meter? _ownedMeter;
    private readonly TimeProvider _time;
    private readonly Counter<long> _invocations;
    private readonly Histogram<double> _invocationDuration;
    private readonly Counter<long> _streamItems;
    private readonly Counter<long> _messages;
    private readonly Counter<long> _handshakeFailures;
    private readonly Counter<long> _negotiations;
    private readonly Counter<long> _slowConsumerCloses;
    private readonly UpDownCounter<long> _outboundQueue;
    private readonly Counter<long> _sends;
    private readonly Counter<long> _bytes;
    private readonly Histogram<long> _fanOut;
    private readonly Counter<long> _reattaches;
    private readonly Counter<long> _replayedBytes;
    private readonly Counter<long> _quotaRejections;
    private readonly Counter<long> _rateLimitRejections;

    public SignalRLiteMetrics(IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        var meter = meterFactory is null ? _ownedMeter = new Meter(MeterName) : meterFactory.Create(MeterName);
        _invocations = meter.CreateCounter<long>("signalrlite.server.invocations", "{invocation}", "Hub method invocations, by hub, method and outcome.");
        _invocationDuration = meter.CreateHistogram<double>(
            "signalrlite.server.invocation.duration",
            unit: "s",
            description: "Duration of hub method invocations, from the start of their run to their completion.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = InvocationBuckets });
        _streamItems = meter.CreateCounter<long>("signalrlite.server.stream_items", "{item}", "Stream items, uploaded (in) or streamed to the client (out).");
        _messages = meter.CreateCounter<long>("signalrlite.server.messages", "{message}", "Hub protocol messages parsed (in) or written (out).");
        _handshakeFailures = meter.CreateCounter<long>("signalrlite.server.handshake_failures", "{handshake}", "Failed hub handshakes, by reason.");
        _negotiations = meter.CreateCounter<long>("signalrlite.server.negotiations", "{request}", "Negotiate requests answered with a connection.");
        _slowConsumerCloses = meter.CreateCounter<long>("signalrlite.server.slow_consumer_closes", "{connection}", "Connections closed by the slow-consumer policy.");
        _quotaRejections = meter.CreateCounter<long>("signalrlite.server.connection_quota.rejections", "{request}", "Requests refused by a connection quota (429), by quota.");
        _outboundQueue = meter.CreateUpDownCounter<long>("signalrlite.server.outbound_queue", "{message}", "Messages queued behind stalled clients by the slow-consumer policy.");
        _sends = meter.CreateCounter<long>("signalrlite.server.sends", "{send}", "Sends through a hub's clients (IHubContext, Hub.Clients), by target kind.");
        _fanOut = FanOutHistogram.Create(meter);
        _bytes = meter.CreateCounter<long>("signalrlite.server.bytes", "By", "Bytes received from and sent to clients by the transports (payload, without WebSocket or HTTP framing).");
        _reattaches = meter.CreateCounter<long>("signalrlite.server.reattaches", "{reattach}", "Stateful reconnects: transports reattached to a hub connection.");
        _replayedBytes = meter.CreateCounter<long>("signalrlite.server.replayed_bytes", "By", "Bytes replayed to reattached transports.");
        _rateLimitRejections = meter.CreateCounter<long>("signalrlite.server.rate_limit.rejections", "{rejection}", "Hub invocations rejected by a hub rate limit policy, by hub, method, policy and action.");
    }

    /// <summary>The hubs' local registries, read by the dashboard for group sizes (nothing is recorded per message).</summary>
    public HubGroupDirectory GroupDirectory { get; } = new();

    /// <summary>Whether an invocation's end is recorded at all; callers skip their own work (a lookup) otherwise.</summary>
    public bool InvocationsEnabled => _invocations.Enabled || _invocationDuration.Enabled;

    /// <summary>The start of an invocation's run: a timestamp when its duration is recorded, else 0.</summary>
    public long InvocationStarted() => _invocationDuration.Enabled ? _time.GetTimestamp() : 0;

    /// <summary>One invocation ended; its duration is recorded when <paramref name="start"/> is a timestamp (not 0).</summary>
    public void InvocationEnded(string hub, string method, InvocationOutcome outcome, long start)
    {
        if (!_invocations.Enabled && !_invocationDuration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { Hub, hub },
            { Method, method },
            { Outcome, OutcomeName(outcome) },
        };
        if (_invocations.Enabled)
        {
            _invocations.Add(1, tags);
        }

        if (start != 0 && _invocationDuration.Enabled)
        {
            _invocationDuration.Record(_time.GetElapsedTime(start).TotalSeconds, tags);
        }
    }

    /// <summary>One stream item of <paramref name="method"/>: uploaded by the client (<paramref name="upload"/>) or sent to it.</summary>
    public void StreamItem(string hub, string method, bool upload)
    {
        if (_streamItems.Enabled)
        {
            _streamItems.Add(1, new KeyValuePair<string, object?>(Hub, hub), new KeyValuePair<string, object?>(Method, method), new KeyValuePair<string, object?>(Direction, upload ? "in" : "out"));
        }
    }

    public bool MessagesEnabled => _messages.Enabled;

    /// <summary>Hub messages of a connection, parsed (<paramref name="inbound"/>) or written.</summary>
    public void Messages(string hub, string protocol, bool inbound, long count)
    {
        if (_messages.Enabled && count > 0)
        {
            _messages.Add(count, new KeyValuePair<string, object?>(Hub, hub), new KeyValuePair<string, object?>("signalrlite.protocol", protocol), new KeyValuePair<string, object?>(Direction, inbound ? "in" : "out"));
        }
    }

    public void HandshakeFailed(string hub, HandshakeFailureReason reason)
    {
        if (_handshakeFailures.Enabled)
        {
            _handshakeFailures.Add(1, new KeyValuePair<string, object?>(Hub, hub), new KeyValuePair<string, object?>("signalrlite.reason", ReasonName(reason)));
        }
    }

    public void Negotiated()
    {
        if (_negotiations.Enabled)
        {
            _negotiations.Add(1);
        }
    }

    public void SlowConsumerClosed(string hub)
    {
        if (_slowConsumerCloses.Enabled)
        {
            _slowConsumerCloses.Add(1, new KeyValuePair<string, object?>(Hub, hub));
        }
    }

    /// <summary>A request refused by a connection quota; <paramref name="quota"/> is the <c>signalrlite.quota</c> value (a cached string).</summary>
    public void ConnectionQuotaRejected(string quota)
    {
        if (_quotaRejections.Enabled)
        {
            _quotaRejections.Add(1, new KeyValuePair<string, object?>("signalrlite.quota", quota));
        }
    }

    public bool OutboundQueueEnabled => _outboundQueue.Enabled;

    /// <summary>Messages queued behind a stalled client (positive) or leaving that queue (negative).</summary>
    public void OutboundQueueChanged(string hub, long delta)
    {
        if (_outboundQueue.Enabled && delta != 0)
        {
            _outboundQueue.Add(delta, new KeyValuePair<string, object?>(Hub, hub));
        }
    }

    /// <summary>A transport reattached to a hub connection; <paramref name="replayedBytes"/> were sent again to it.</summary>
    public void Reattached(string hub, long replayedBytes)
    {
        var tag = new KeyValuePair<string, object?>(Hub, hub);
        if (_reattaches.Enabled)
        {
            _reattaches.Add(1, tag);
        }

        if (_replayedBytes.Enabled && replayedBytes > 0)
        {
            _replayedBytes.Add(replayedBytes, tag);
        }
    }

    /// <summary>One send through a hub's clients: a selection of connections, or one connection (<paramref name="selection"/> null).</summary>
    public void Sent(string hub, SignalRLite.Internal.Hubs.HubClientSelection? selection)
    {
        if (_sends.Enabled)
        {
            _sends.Add(1, new KeyValuePair<string, object?>(Hub, hub), new KeyValuePair<string, object?>("signalrlite.target", selection is { } s ? SignalRLite.Internal.Hubs.HubClientSelectionNames.Of(s) : SignalRLite.Internal.Hubs.HubClientSelectionNames.Connection));
        }
    }

    /// <summary>A send to a selection of connections was written to <paramref name="connections"/> connections of this server.</summary>
    public void FannedOut(string hub, SignalRLite.Internal.Hubs.HubClientSelection target, long connections)
    {
        FanOutHistogram.Record(_fanOut, hub, target, connections);
    }

    /// <summary>Bytes a transport received from a client (<paramref name="inbound"/>) or sent to it.</summary>
    public void TransportBytes(SignalRLite.Http.Connections.HttpTransportType transport, bool inbound, long bytes)
    {
        if (_bytes.Enabled && bytes > 0)
        {
            _bytes.Add(bytes, new KeyValuePair<string, object?>("signalr.transport", TransportName(transport)), new KeyValuePair<string, object?>(Direction, inbound ? "in" : "out"));
        }
    }

    /// <summary>A hub rate limit policy rejected an invocation of <paramref name="method"/> (<see cref="OtherMethod"/> for a target the hub does not have).</summary>
    public void RateLimitRejected(string hub, string method, string policy, string action)
    {
        if (_rateLimitRejections.Enabled)
        {
            var tags = new TagList
            {
                { Hub, hub },
                { Method, method },
                { "signalrlite.rate_limit.policy", policy },
                { "signalrlite.rate_limit.action", action },
            };
            _rateLimitRejections.Add(1, tags);
        }
    }

    /// <summary>The outcome of an invocation that threw <paramref name="ex"/>.</summary>
    public static InvocationOutcome OutcomeOf(Exception ex, bool cancellationRequested) => ex switch
    {
        OperationCanceledException when cancellationRequested => InvocationOutcome.Cancelled,
        HubException => InvocationOutcome.HubException,
        _ => InvocationOutcome.Unhandled,
    };

    public void Dispose() => _ownedMeter?.Dispose();

    private static string OutcomeName(InvocationOutcome outcome) => outcome switch
    {
        InvocationOutcome.Success => "success",
        InvocationOutcome.HubException => "hub_exception",
        InvocationOutcome.Cancelled => "cancelled",
        InvocationOutcome.BindingFailure => "binding_failure",
        InvocationOutcome.UnknownMethod => "unknown_method",
        InvocationOutcome.Unauthorized => "unauthorized",
        _ => "unhandled",
    };

    private static string TransportName(SignalRLite.Http.Connections.HttpTransportType transport) => transport switch
    {
        SignalRLite.Http.Connections.HttpTransportType.WebSockets => "web_sockets",
        SignalRLite.Http.Connections.HttpTransportType.ServerSentEvents => "server_sent_events",
        SignalRLite.Http.Connections.HttpTransportType.LongPolling => "long_polling",
        _ => "unknown",
    };

    private static string ReasonName(HandshakeFailureReason reason) => reason switch
    {
        HandshakeFailureReason.UnsupportedProtocol => "unsupported_protocol",
        HandshakeFailureReason.UnsupportedVersion => "unsupported_version",
        HandshakeFailureReason.Timeout => "timeout",
        HandshakeFailureReason.TransferFormat => "transfer_format",
        _ => "malformed",
    };
}
