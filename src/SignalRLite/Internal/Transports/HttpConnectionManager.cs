using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The registry of live connections of all endpoints and transports, keyed by the value clients send in <c>id=</c>.
/// One shared timer ticks heartbeats and discards connections idle for longer than <see cref="ConnectionOptions.DisconnectTimeout"/>.
/// </summary>
internal sealed class HttpConnectionManager : IDisposable
{
    private static readonly TimeSpan MaxScanPeriod = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, HttpConnectionContext> _connections = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly ILogger _connectionLogger;
    private readonly long _disconnectTimeoutMs;
    private readonly Timer _timer;
    private readonly CancellationTokenRegistration _stoppingRegistration;
    private int _scanning;

    public HttpConnectionManager(ILoggerFactory loggerFactory, IOptions<ConnectionOptions> options, IHostApplicationLifetime? lifetime = null)
    {
        _logger = loggerFactory.CreateLogger<HttpConnectionManager>();
        _connectionLogger = loggerFactory.CreateLogger<HttpConnectionContext>();
        var timeout = options.Value.DisconnectTimeout ?? ConnectionOptions.DefaultDisconnectTimeout;
        _disconnectTimeoutMs = (long)timeout.TotalMilliseconds;
        var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, MaxScanPeriod.Ticks));

        using (ExecutionContext.SuppressFlow())
        {
            _timer = new Timer(static s => ((HttpConnectionManager)s!).Scan(), this, period, period);
        }

        if (lifetime is not null)
        {
            _stoppingRegistration = lifetime.ApplicationStopping.Register(static s => ((HttpConnectionManager)s!).CloseAll(), this);
        }
    }

    public int Count => _connections.Count;

    public HttpConnectionContext CreateConnection(HttpConnectionDispatcherOptions options, int negotiateVersion = 1, bool useStatefulReconnect = false)
    {
        var id = ConnectionIdGenerator.NewId();
        var token = negotiateVersion >= 1 ? ConnectionIdGenerator.NewId() : id;
        var connection = new HttpConnectionContext(id, token, options, this, _connectionLogger, useStatefulReconnect);
        _connections[token] = connection;
        TransportLog.ConnectionCreated(_logger, id);
        return connection;
    }

    public bool TryGetConnection(string token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HttpConnectionContext? connection) =>
        _connections.TryGetValue(token, out connection);

    public void RemoveConnection(HttpConnectionContext connection)
    {
        if (_connections.TryRemove(new KeyValuePair<string, HttpConnectionContext>(connection.ConnectionToken, connection)))
        {
            TransportLog.ConnectionRemoved(_logger, connection.ConnectionId);
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
            var now = Environment.TickCount64;
            foreach (var (_, connection) in _connections)
            {
                if (connection.IsIdle(now, _disconnectTimeoutMs))
                {
                    TransportLog.ConnectionTimedOut(_logger, connection.ConnectionId);
                    _ = connection.CloseAsync(new TimeoutException("The connection had no transport for longer than the disconnect timeout."));
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
    public Task CloseAll()
    {
        var tasks = new List<Task>();
        foreach (var (_, connection) in _connections)
        {
            tasks.Add(connection.CloseAsync(null));
        }

        return Task.WhenAll(tasks);
    }

    public void Dispose()
    {
        _stoppingRegistration.Dispose();
        _timer.Dispose();
    }
}
