using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using LoadTest.Client;

namespace LoadTest.Soak;

/// <summary>
/// The same mix over one HTTP transport (Long Polling or Server-Sent Events), with the official .NET client: N
/// connections (negotiated, over 127.0.0.1-8), each in one of the WebSocket clients' groups of 100 so that their group
/// and all broadcasts reach it; 1 % invoke <c>Echo</c> every second; 1 % close and reconnect per minute. Deliveries
/// and echoes are timed from the payload's send timestamp, per minute, apart from the WebSocket clients' figures.
/// </summary>
internal sealed class SoakHttpClients(HttpTransportType transport, int port, int connections, int groups)
{
    private readonly HubConnection?[] _conns = new HubConnection?[connections];
    private readonly SoakMinutes _minutes = new();
    private int _reconnectCursor = 1;

    public HttpTransportType Transport => transport;

    public string Name => transport == HttpTransportType.LongPolling ? "Long Polling" : "SSE";

    /// <summary>Failed connects and invocations (not the scenario's own closes).</summary>
    public long Errors;

    /// <summary>Connections that ended without the scenario closing them.</summary>
    public long UnexpectedDisconnects;

    public long Reconnects;

    public int Connected => _conns.Count(c => c is { State: HubConnectionState.Connected });

    public async Task OpenAllAsync(CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, connections), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            _conns[i] = await OpenAsync(i, ct);
        });
    }

    public SoakMinute TakeMinute() => _minutes.Take();

    public async Task RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        await Task.WhenAll(
            SoakMinutes.EveryAsync(TimeSpan.FromSeconds(1), EchoTickAsync, stop.Token),
            SoakMinutes.EveryAsync(TimeSpan.FromSeconds(60.0 / Math.Max(1, connections / 100)), ReconnectTickAsync, stop.Token));
    }

    public async Task CloseAllAsync()
    {
        await Parallel.ForEachAsync(_conns.Where(c => c is not null), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (c, _) => await CloseAsync(c!));
    }

    private async Task EchoTickAsync()
    {
        var calls = new List<Task>();
        for (var i = 0; i < connections; i += 100)
        {
            if (_conns[i] is { State: HubConnectionState.Connected } conn)
            {
                calls.Add(EchoAsync(conn));
            }
        }

        await Task.WhenAll(calls);
    }

    private async Task EchoAsync(HubConnection conn)
    {
        var payload = Stamped();
        try
        {
            var echoed = await conn.InvokeAsync<string>("Echo", payload);
            Record(completion: true, echoed);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref Errors);
        }
    }

    private async Task ReconnectTickAsync()
    {
        // Never an echoing connection (index % 100 == 0): its invocation would fail by the scenario's own hand.
        int i;
        do
        {
            i = _reconnectCursor;
            _reconnectCursor = (_reconnectCursor + 1) % connections;
        }
        while (i % 100 == 0);

        if (_conns[i] is { } old)
        {
            _conns[i] = null;
            await CloseAsync(old);
        }

        try
        {
            _conns[i] = await OpenAsync(i, CancellationToken.None);
            Interlocked.Increment(ref Reconnects);
        }
        catch (Exception)
        {
            // Counted by OpenAsync.
        }
    }

    private async Task<HubConnection> OpenAsync(int index, CancellationToken cancellationToken)
    {
        var conn = new HubConnectionBuilder()
            .WithUrl($"http://127.0.0.{1 + (index % 8)}:{port}/hub", transport)
            .Build();
        conn.On<string>("Receive", message => Record(completion: false, message));
        var closedByUs = new StrongBox<bool>();
        conn.Closed += _ =>
        {
            if (!Volatile.Read(ref closedByUs.Value))
            {
                Interlocked.Increment(ref UnexpectedDisconnects);
            }

            return Task.CompletedTask;
        };
        _closedFlags[conn] = closedByUs;
        try
        {
            await conn.StartAsync(cancellationToken);
            await conn.InvokeAsync("JoinGroup", "g" + (index % groups), cancellationToken);
            return conn;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref Errors);
            _closedFlags.TryRemove(conn, out _);
            Volatile.Write(ref closedByUs.Value, true);
            await conn.DisposeAsync();
            throw;
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<HubConnection, StrongBox<bool>> _closedFlags = new();

    private async Task CloseAsync(HubConnection conn)
    {
        if (_closedFlags.TryRemove(conn, out var flag))
        {
            Volatile.Write(ref flag.Value, true);
        }

        try
        {
            await conn.DisposeAsync();
        }
        catch (Exception)
        {
            // The scenario's own close; nothing to count.
        }
    }

    private static string Stamped()
    {
        var payload = Frames.Payload(32, timestamped: true).ToCharArray();
        var stamp = Stopwatch.GetTimestamp().ToString("D" + Frames.TimestampDigits, System.Globalization.CultureInfo.InvariantCulture);
        stamp.CopyTo(0, payload, 2, Frames.TimestampDigits);
        return new string(payload);
    }

    private void Record(bool completion, string message)
    {
        if (message.Length < 2 + Frames.TimestampDigits || !message.StartsWith("@@", StringComparison.Ordinal) ||
            !long.TryParse(message.AsSpan(2, Frames.TimestampDigits), out var sent))
        {
            return;
        }

        _minutes.Record(completion, sent);
    }

    private sealed class StrongBox<T>
    {
        public T Value = default!;
    }
}
