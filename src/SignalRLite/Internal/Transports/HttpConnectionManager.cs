using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Quotas;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The registry of live connections of all endpoints and transports, keyed by the value clients send in <c>id=</c>.
/// One shared timer ticks heartbeats and discards connections idle for longer than <see cref="ConnectionOptions.DisconnectTimeout"/>.
/// </summary>
/// <remarks>
/// All time in the transport layer comes from <see cref="TimeProvider"/> (the registered one, <see cref="TimeProvider.System"/>
/// by default): the scan timer, idle and send deadlines, the poll timeout and the transports' timeouts. Thread-safety:
/// the registry is a concurrent dictionary; the scan runs one at a time (<see cref="_scanning"/>, Interlocked).
/// Connection quotas (<see cref="ConnectionQuotaOptions"/>): a connection created with a <see cref="QuotaLease"/> gives
/// its slots back exactly once, when <see cref="RemoveConnection"/> takes it out of the registry (whatever ended it:
/// close, expiry, abort, shutdown), because only one TryRemove of it can succeed.
/// </remarks>
internal sealed class HttpConnectionManager : IDisposable
{
    private static readonly TimeSpan MaxScanPeriod = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, HttpConnectionContext> _connections = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly ILogger _connectionLogger;
    private readonly TimeSpan _disconnectTimeout;
    private readonly TimeSpan? _pendingLifetime;
    private readonly ITimer _timer;
    private readonly CancellationTokenRegistration _stoppingRegistration;
    private int _scanning;
    private readonly MemoryPool<byte>? _memoryPool;
    private readonly ConcurrentDictionary<(long MaxBufferSize, bool Input), PipeOptions> _pipeOptions = new();

    public HttpConnectionManager(
        ILoggerFactory loggerFactory,
        IOptions<ConnectionOptions> options,
        IHostApplicationLifetime? lifetime = null,
        IMemoryPoolFactory<byte>? memoryPoolFactory = null,
        TimeProvider? timeProvider = null,
        HttpConnectionsMetrics? metrics = null,
        SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? liteMetrics = null,
        IOptions<ConnectionQuotaOptions>? quotaOptions = null)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
        Metrics = metrics;
        LiteMetrics = liteMetrics;
        // The server's pool (Kestrel's pinned blocks, evicted when idle) when the host provides one: with a thousand
        // busy connections the shared ArrayPool runs dry and every pipe segment becomes a fresh 4 KB array.
        _memoryPool = memoryPoolFactory?.Create(new MemoryPoolOptions { Owner = "signalrlite" });
        _logger = loggerFactory.CreateLogger<HttpConnectionManager>();
        _connectionLogger = loggerFactory.CreateLogger<HttpConnectionContext>();
        var timeout = options.Value.DisconnectTimeout ?? ConnectionOptions.DefaultDisconnectTimeout;
        _disconnectTimeout = timeout;
        var quotas = quotaOptions?.Value;
        if (quotas is not null && ConnectionQuotaTracker.IsEnabled(quotas))
        {
            Quotas = new ConnectionQuotaTracker(quotas);
        }

        // Null: a connection that never got a transport is dropped after the disconnect timeout, as any other.
        _pendingLifetime = quotas?.PendingConnectionLifetime;
        var shortest = _pendingLifetime is { } pending && pending < timeout ? pending : timeout;
        var period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, MaxScanPeriod.Ticks));

        using (ExecutionContext.SuppressFlow())
        {
            _timer = TimeProvider.CreateTimer(static s => ((HttpConnectionManager)s!).Scan(), this, period, period);
        }

        if (lifetime is not null)
        {
            _stoppingRegistration = lifetime.ApplicationStopping.Register(static s => ((HttpConnectionManager)s!).CloseAllOnStopping(), this);
        }
    }

    public int Count => _connections.Count;

    /// <summary>
    /// Raised after a connection was added or removed (on the thread that did it), so that a test or a diagnostic can
    /// await a count instead of polling it. Handlers must be quick and must not throw.
    /// </summary>
    internal event Action? CountChanged;

    /// <summary>The official connection metrics; null for a manager built by hand (a unit test).</summary>
    public HttpConnectionsMetrics? Metrics { get; }

    /// <summary>The <c>SignalRLite</c> meter's instruments (<c>signalrlite.server.bytes</c>); null without the hub runtime.</summary>
    public SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? LiteMetrics { get; }

    /// <summary>The connection quotas' counts; null when no quota is configured (nothing is counted).</summary>
    public ConnectionQuotaTracker? Quotas { get; }

    /// <summary>The clock of every connection and transport of this manager.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>
    /// Options of the connections' pipes, shared by all connections with the same buffer limit and direction
    /// (PipeOptions is immutable). The input pipe resumes its reader inline, on the thread that flushed: the hub's read
    /// loop runs on the transport's receive loop, without a thread-pool hop. The output pipe resumes its reader (the
    /// transport's send loop) on the thread pool: a broadcast to 1,000 connections does not run 1,000 socket sends on
    /// the sender's stack, the receive loop goes on receiving while the send loop sends (a pipelining client keeps both
    /// cores busy), and what is written meanwhile goes out in the same frame. Writers waiting on a full pipe resume on
    /// the thread pool, never on the reader's stack.
    /// </summary>
    public PipeOptions GetPipeOptions(long maxBufferSize, bool input) =>
        _pipeOptions.GetOrAdd((maxBufferSize, input), static (key, pool) => new PipeOptions(
            pool: pool,
            pauseWriterThreshold: key.MaxBufferSize,
            resumeWriterThreshold: key.MaxBufferSize == 0 ? 0 : Math.Max(1, key.MaxBufferSize / 2),
            readerScheduler: key.Input ? PipeScheduler.Inline : PipeScheduler.ThreadPool,
            writerScheduler: PipeScheduler.ThreadPool,
            useSynchronizationContext: false), _memoryPool);

    /// <summary>Registers a new connection; <paramref name="quota"/> is the slots <see cref="Quotas"/> admitted it with, given back when it is removed.</summary>
    public HttpConnectionContext CreateConnection(HttpConnectionDispatcherOptions options, int negotiateVersion = 1, bool useStatefulReconnect = false, QuotaLease? quota = null)
    {
        var id = ConnectionIdGenerator.NewId();
        var token = negotiateVersion >= 1 ? ConnectionIdGenerator.NewId() : id;
        var connection = new HttpConnectionContext(id, token, options, this, _connectionLogger, useStatefulReconnect) { Quota = quota };
        _connections[token] = connection;
        TransportLog.ConnectionCreated(_logger, id);
        CountChanged?.Invoke();
        return connection;
    }

    public bool TryGetConnection(string token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HttpConnectionContext? connection) =>
        _connections.TryGetValue(token, out connection);

    public void RemoveConnection(HttpConnectionContext connection)
    {
        if (_connections.TryRemove(new KeyValuePair<string, HttpConnectionContext>(connection.ConnectionToken, connection)))
        {
            TransportLog.ConnectionRemoved(_logger, connection.ConnectionId);
            if (connection.Quota is { } quota)
            {
                Quotas?.Release(quota);
            }

            CountChanged?.Invoke();
        }
    }

    private void Scan()
    {
        if (Interlocked.Exchange(ref _scanning, 1) == 1)
        {
            return;
        }

        try
        {
            var now = TimeProvider.GetTimestamp();
            foreach (var (_, connection) in _connections)
            {
                // A transport attaching between these two reads holds the reader lease, which IsIdle sees: not dropped.
                var pending = _pendingLifetime is not null && connection.TransportType == HttpTransportType.None;
                if (connection.IsIdle(now, pending ? _pendingLifetime!.Value : _disconnectTimeout))
                {
                    TransportLog.ConnectionTimedOut(_logger, connection.ConnectionId);
                    _ = connection.CloseAsync(
                        new TimeoutException(pending
                            ? "The connection got no transport within the pending connection lifetime."
                            : "The connection had no transport for longer than the disconnect timeout."),
                        ConnectionEndReason.Timeout);
                }
                else
                {
                    connection.TickHeartbeat(now);
                }
            }
        }
        catch (Exception ex)
        {
            TransportLog.ScanFailed(_logger, ex);
        }
        finally
        {
            Volatile.Write(ref _scanning, 0);
        }
    }

    /// <summary>Ends every connection (host shutdown). The applications see their input complete without an error.</summary>
    /// <summary>
    /// Whether the server drains (<c>AddGracefulDrain</c>): new connections are refused with 503 while the existing ones
    /// are closed, paced, with <c>allowReconnect</c>. Set once, never cleared.
    /// </summary>
    public bool IsDraining => Volatile.Read(ref _draining);

    /// <summary>
    /// Set by the drain when it handles shutdown itself: the official behaviour (every connection ended at once when the
    /// application stops) is then skipped, and the drain ends whatever is left.
    /// </summary>
    public bool DrainHandlesShutdown { get; set; }

    private bool _draining;

    public void StartDraining() => Volatile.Write(ref _draining, true);

    private void CloseAllOnStopping()
    {
        if (!DrainHandlesShutdown)
        {
            _ = CloseAll();
        }
    }

    public Task CloseAll()
    {
        var tasks = new List<Task>();
        foreach (var (_, connection) in _connections)
        {
            tasks.Add(connection.CloseAsync(null, ConnectionEndReason.AppShutdown));
        }

        return Task.WhenAll(tasks);
    }

    public void Dispose()
    {
        _stoppingRegistration.Dispose();
        _timer.Dispose();
        _memoryPool?.Dispose();
    }
}
