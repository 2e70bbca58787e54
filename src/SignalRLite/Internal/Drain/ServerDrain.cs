using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignalRLite.Internal.Hubs;
using SignalRLite.Internal.Transports;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Drain;

/// <summary>
/// The graceful drain of this server (<see cref="IServerDrain"/>): refuse new connections, then close the hub
/// connections of every hub in paced batches, each as soon as it has nothing in flight (or once the deadline passed).
/// </summary>
/// <remarks>
/// One lock, <see cref="_lock"/>, guards <see cref="_drain"/> only: the drain runs once and every caller awaits the same
/// task. The drain itself runs on one logical thread (an async method), so its own bookkeeping needs no lock; what it
/// reads from connections (idle state, the heartbeat's snapshot) is each thread-safe on its own. Time comes from the
/// heartbeat's <see cref="TimeProvider"/>, so tests drive the pacing and the deadline with a fake clock.
/// </remarks>
internal sealed partial class ServerDrain : IServerDrain
{
    /// <summary>How often a batch goes out, and how often the drain looks again at busy connections.</summary>
    internal static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private static readonly CloseMessage ReconnectElsewhere = new(null, allowReconnect: true);

    private readonly Lock _lock = new();
    private readonly HubConnectionHeartbeat _heartbeat;
    private readonly HttpConnectionManager _connections;
    private readonly GracefulDrainOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Task? _drain;

    public ServerDrain(HubConnectionHeartbeat heartbeat, HttpConnectionManager connections, IOptions<GracefulDrainOptions> options, ILogger<ServerDrain> logger)
    {
        _heartbeat = heartbeat;
        _connections = connections;
        _options = options.Value;
        _time = heartbeat.TimeProvider;
        _logger = logger;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.ClosesPerSecond, "GracefulDrainOptions.ClosesPerSecond");
        if (_options.DrainOnShutdown)
        {
            connections.DrainHandlesShutdown = true;
        }
    }

    public bool IsDraining => _connections.IsDraining;

    /// <summary>
    /// Raised after each pass with the number of connections closed so far, once the pass's wait on the clock is set
    /// (so a test on a fake clock may advance it from the handler's continuation). Handlers must be quick.
    /// </summary>
    internal event Action<int>? PassEnded;

    public Task DrainAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return _drain ??= RunAsync(cancellationToken);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // off the caller's lock and stack
        _connections.StartDraining();
        var started = _time.GetTimestamp();
        var perBatch = Math.Max(1, (int)Math.Ceiling(_options.ClosesPerSecond * Step.TotalSeconds));
        var closed = new HashSet<HubConnectionContext>(ReferenceEqualityComparer.Instance);
        DrainStarted(_logger, _heartbeat.ConnectionCount, perBatch * (int)(1 / Step.TotalSeconds));

        while (true)
        {
            // Connections negotiated before the drain may still arrive: every pass looks at the heartbeat's set again.
            var open = _heartbeat.Snapshot().Where(c => !closed.Contains(c)).ToList();
            if (open.Count == 0)
            {
                break;
            }

            var pastDeadline = cancellationToken.IsCancellationRequested || _time.GetElapsedTime(started) >= _options.InvocationDeadline;
            // Cancelled: the host is out of time, everything goes now. Otherwise one batch, idle connections first; busy
            // ones wait for their invocations and streams until the deadline.
            var budget = cancellationToken.IsCancellationRequested ? int.MaxValue : perBatch;
            foreach (var connection in open)
            {
                if (budget == 0)
                {
                    break;
                }

                if (pastDeadline || connection.Invocations?.IsIdle != false)
                {
                    connection.RequestClose(ReconnectElsewhere);
                    closed.Add(connection);
                    budget--;
                }
            }

            if (!cancellationToken.IsCancellationRequested)
            {
                var delay = DelayAsync(Step, cancellationToken);
                PassEnded?.Invoke(closed.Count);
                await delay.ConfigureAwait(false);
            }
        }

        // The Closes are written and the connections end; then whatever never got a transport goes too.
        while (_heartbeat.ConnectionCount > 0 && !cancellationToken.IsCancellationRequested)
        {
            await DelayAsync(Step, cancellationToken).ConfigureAwait(false);
        }

        await _connections.CloseAll().ConfigureAwait(false);
        DrainEnded(_logger, closed.Count, _time.GetElapsedTime(started).TotalSeconds);
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Out of time: the next pass closes everything at once.
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Draining: refusing new connections; closing {Count} hub connection(s) with allowReconnect, at most {PerSecond} per second.", EventName = "DrainStarted")]
    private static partial void DrainStarted(ILogger logger, int count, int perSecond);

    [LoggerMessage(2, LogLevel.Information, "Drained: {Count} hub connection(s) closed in {Seconds:F1} s.", EventName = "DrainEnded")]
    private static partial void DrainEnded(ILogger logger, int count, double seconds);
}
