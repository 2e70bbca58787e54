using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SignalRLite.Tests.Chaos;

/// <summary>
/// An official .NET client (WebSockets, WithAutomaticReconnect) that knows every server: it connects to its home server
/// and, when that one is gone, (re)connects to the next that answers. It checks the order of every storm it receives
/// (messages "N|padding", numbered from 0 per tag) and lets a test await what it has received.
/// </summary>
internal sealed class ChaosClient : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _received = new(StringComparer.Ordinal); // guarded by _lock
    private readonly HashSet<string> _markers = new(StringComparer.Ordinal); // guarded by _lock
    private readonly List<string> _orderErrors = []; // guarded by _lock
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = []; // guarded by _lock
    private readonly FailoverConnectionFactory _factory;
    private int _reconnectings;

    private ChaosClient(string name, HubConnection connection, FailoverConnectionFactory factory)
    {
        Name = name;
        Connection = connection;
        _factory = factory;
        connection.On<string, string>("Receive", OnReceive);
        connection.Reconnecting += _ =>
        {
            Interlocked.Increment(ref _reconnectings);
            return Task.CompletedTask;
        };
        connection.Reconnected += _ =>
        {
            Reconnected.TrySetResult(DateTime.UtcNow);
            return Task.CompletedTask;
        };
        connection.Closed += e =>
        {
            Closed.TrySetResult(e);
            return Task.CompletedTask;
        };
    }

    public string Name { get; }

    public HubConnection Connection { get; }

    /// <summary>The server this client is connected to now.</summary>
    public Uri? CurrentServer => _factory.Current;

    public int Reconnectings => Volatile.Read(ref _reconnectings);

    public TaskCompletionSource<DateTime> Reconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<Exception?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<ChaosClient> ConnectAsync(string name, Uri home, IEnumerable<Uri> others)
    {
        var factory = new FailoverConnectionFactory(
            [home, .. others.Where(u => u != home)],
            new HttpConnectionFactory(
                Options.Create(new HttpConnectionOptions { Transports = HttpTransportType.WebSockets, SkipNegotiation = true }),
                Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        var builder = new HubConnectionBuilder()
            .WithUrl(home, HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)])
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.None));

        // Registered after WithUrl's own factory, so this one is used: it tries the other servers when home is gone.
        builder.Services.AddSingleton<IConnectionFactory>(factory);
        var connection = builder.Build();
        var client = new ChaosClient(name, connection, factory);
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return client;
    }

    public int Received(string tag)
    {
        lock (_lock)
        {
            return _received.GetValueOrDefault(tag);
        }
    }

    /// <summary>Storm messages of <paramref name="tag"/> that arrived out of order or twice (a gap is found by the count).</summary>
    public IReadOnlyList<string> OrderErrors(string tag)
    {
        lock (_lock)
        {
            return [.. _orderErrors.Where(e => e.StartsWith(tag + ":", StringComparison.Ordinal))];
        }
    }

    public Task WaitForCountAsync(string tag, int count, TimeSpan timeout) =>
        WaitAsync(() => _received.GetValueOrDefault(tag) >= count, timeout, $"{count} messages '{tag}' (has {Received(tag)})");

    public Task WaitForMarkerAsync(string marker, TimeSpan timeout) =>
        WaitAsync(() => _markers.Contains(marker), timeout, $"marker '{marker}'");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Connection.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Stopping a connection whose server was killed: nothing to wait for.
        }
    }

    private async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (condition())
            {
                return;
            }

            _waiters.Add((condition, done));
        }

        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{Name} ({CurrentServer}, {Connection.State}) did not receive {what} within {timeout}.", ex);
        }
    }

    private void OnReceive(string tag, string message)
    {
        lock (_lock)
        {
            var count = _received.GetValueOrDefault(tag);
            var bar = message.IndexOf('|', StringComparison.Ordinal);
            if (bar > 0)
            {
                var sequence = int.Parse(message.AsSpan(0, bar), CultureInfo.InvariantCulture);
                if (sequence != count)
                {
                    _orderErrors.Add($"{tag}: got {sequence} as message {count}");
                }
            }
            else
            {
                _markers.Add(message);
            }

            _received[tag] = count + 1;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition())
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Connects to the first server of the list that accepts the connection, home first.</summary>
    private sealed class FailoverConnectionFactory(Uri[] servers, IConnectionFactory inner) : IConnectionFactory
    {
        private volatile Uri? _current;

        public Uri? Current => _current;

        public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
        {
            Exception? last = null;
            foreach (var server in servers)
            {
                try
                {
                    var connection = await inner.ConnectAsync(new UriEndPoint(server), cancellationToken);
                    _current = server;
                    return connection;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // That server is gone (connection refused): try the next one.
                    last = ex;
                }
            }

            throw last!;
        }
    }
}
