using System.Diagnostics;
using System.Net.WebSockets;
using LoadTest.Client;

namespace LoadTest.Soak;

/// <summary>
/// The soak mix against one host: N JSON WebSocket connections (negotiate skipped, spread over 127.0.0.1-8), each in a
/// group of 100; 1 % of them invoke Echo every second; 10 group broadcasts per second; a broadcast to all every 10 s;
/// 1 % of the connections close and reconnect every minute; every connection sends a Ping every 15 s, as the official
/// clients do (their default keep-alive interval), which also arms the server's client timeout. Every payload carries a send timestamp, so each delivery
/// and each echo is timed, per minute.
/// </summary>
/// <remarks>
/// Roles are disjoint so that no two loops send on one socket at once: index % 100 == 0 echoes, == 1 sends group
/// broadcasts, index 2 broadcasts to all, and only the others reconnect.
/// </remarks>
internal sealed class SoakClient(int port, int connections)
{
    private static readonly HttpMessageInvoker Invoker = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        ConnectTimeout = TimeSpan.FromSeconds(20),
    });

    private readonly SoakConnection?[] _conns = new SoakConnection?[connections];
    private readonly SoakMinutes _minutes = new();
    private long _nextId;

    /// <summary>Errors the scenario did not cause: failed connects, handshakes, sends, and closes by the server.</summary>
    public long Errors;

    /// <summary>Connections closed by the server or lost (not by the scenario's reconnects).</summary>
    public long UnexpectedDisconnects;

    public long Reconnects;

    public int Connected => _conns.Count(c => c is not null);

    public async Task OpenAllAsync(CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, connections), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            _conns[i] = await OpenAsync(i, ct);
        });
    }

    /// <summary>The measurements of the minute that just ended; a fresh minute starts.</summary>
    public SoakMinute TakeMinute() => _minutes.Take();

    public async Task RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var loops = new[]
        {
            SoakMinutes.EveryAsync(TimeSpan.FromSeconds(1), EchoTickAsync, stop.Token),
            SoakMinutes.EveryAsync(TimeSpan.FromMilliseconds(100), GroupTickAsync, stop.Token),
            SoakMinutes.EveryAsync(TimeSpan.FromSeconds(10), BroadcastTickAsync, stop.Token),
            SoakMinutes.EveryAsync(TimeSpan.FromSeconds(60.0 / Math.Max(1, connections / 100)), ReconnectTickAsync, stop.Token),
            SoakMinutes.EveryAsync(TimeSpan.FromMilliseconds(100), KeepAliveTickAsync, stop.Token),
        };
        await Task.WhenAll(loops);
    }

    public async Task CloseAllAsync()
    {
        await Parallel.ForEachAsync(_conns.Where(c => c is not null), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) => await c!.CloseAsync());
    }

    private async Task EchoTickAsync()
    {
        for (var i = 0; i < connections; i += 100)
        {
            await SendAsync(i, "Echo", Frames.Payload(32, timestamped: true));
        }
    }

    private async Task GroupTickAsync()
    {
        var sender = 1 + (100 * Random.Shared.Next(Math.Max(1, (connections - 1) / 100)));
        var group = "g" + Random.Shared.Next(Math.Max(1, connections / 100));
        await SendAsync(sender, "GroupBroadcast", group, Frames.Payload(32, timestamped: true));
    }

    private Task BroadcastTickAsync() => SendAsync(2, "Broadcast", Frames.Payload(32, timestamped: true));

    private static readonly byte[] PingFrame = "{\"type\":6}\u001e"u8.ToArray();
    private int _pingCursor;

    /// <summary>Pings a 150th of the connections, so that each gets one every 15 s.</summary>
    private async Task KeepAliveTickAsync()
    {
        var count = Math.Max(1, connections / 150);
        for (var n = 0; n < count; n++)
        {
            var i = _pingCursor;
            _pingCursor = (_pingCursor + 1) % connections;
            if (_conns[i] is not { } conn)
            {
                continue;
            }

            try
            {
                await conn.SendAsync(PingFrame);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException or IOException)
            {
                if (!conn.Closing)
                {
                    Interlocked.Increment(ref Errors);
                }
            }
        }
    }

    private int _reconnectCursor = 3;

    private async Task ReconnectTickAsync()
    {
        // The next connection that has no sending role.
        int i;
        do
        {
            i = _reconnectCursor;
            _reconnectCursor = (_reconnectCursor + 1) % connections;
        }
        while (i % 100 < 3);

        if (_conns[i] is { } old)
        {
            _conns[i] = null;
            await old.CloseAsync();
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

    private async Task SendAsync(int index, string target, params string[] args)
    {
        if (index >= connections || _conns[index] is not { } conn)
        {
            return;
        }

        var frame = Frames.Invocation(binary: false, Frames.IdSlot, target, args);
        Frames.PatchId(frame, Frames.FindIdSlot(frame), Interlocked.Increment(ref _nextId));
        var marker = frame.AsSpan().IndexOf(Frames.Marker);
        Frames.Stamp(frame, marker, Stopwatch.GetTimestamp());
        try
        {
            await conn.SendAsync(frame);
            _minutes.CountSent();
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            Interlocked.Increment(ref Errors);
        }
    }

    private async Task<SoakConnection> OpenAsync(int index, CancellationToken cancellationToken)
    {
        var uri = new Uri($"ws://127.0.0.{1 + (index % 8)}:{port}/hub");
        try
        {
            var conn = await SoakConnection.ConnectAsync(uri, Invoker, this, cancellationToken);
            var join = Frames.Invocation(binary: false, invocationId: null, "JoinGroup", "g" + (index / 100));
            await conn.SendAsync(join);
            return conn;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref Errors);
            throw;
        }
    }

    /// <summary>A timed frame arrived: an echo's Completion or a broadcast's Invocation.</summary>
    internal void OnTimedFrame(bool completion, long sentTimestamp) => _minutes.Record(completion, sentTimestamp);

    internal void OnLost(bool byServer)
    {
        if (byServer)
        {
            Interlocked.Increment(ref UnexpectedDisconnects);
        }
    }
}
