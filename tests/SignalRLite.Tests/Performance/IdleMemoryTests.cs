using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Performance;

/// <summary>
/// GC heap held per idle WebSocket hub connection on Kestrel (loopback), against the floor of a raw Kestrel WebSocket
/// that only awaits a receive, measured the same way in the same process (the clients' share cancels out). Not timed.
/// </summary>
[Collection(nameof(AllocationCollection))]
[Trait("Category", "Integration")]
public sealed class IdleMemoryTests(ITestOutputHelper output)
{
    // Enough connections that one-off growth elsewhere in the process (a thread pool thread, a cache) is small per
    // connection; an odd number of paired rounds for a median.
    private const int Connections = 1200;
    private const int Rounds = 3;

    // Measured 4.77-4.79 KB over the raw floor in-process in three runs of three paired rounds (the earlier min-of-each
    // measurement at 400 connections swung from 1.3 to 13.7 KB); goal 2 KB. The bound catches a per-connection buffer or a per-connection timer coming back.
    private const int MaxBytesOverRawFloor = 12 * 1024;

    private static int s_open;
    private static TaskCompletionSource? s_drained;

    private static void Closed()
    {
        if (Interlocked.Decrement(ref s_open) == 0)
        {
            Volatile.Read(ref s_drained)?.TrySetResult();
        }
    }

    [Fact]
    public async Task Idle_websocket_hub_connection_holds_little_more_than_a_raw_websocket()
    {
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            services => services.AddSignalRLite(),
            app =>
            {
                app.UseWebSockets();
                app.Map("/raw", RawIdleAsync);
                app.MapHub<IdleHub>("/hub");
            });

        // Warm both paths at full size so first-use caches and pool growth are not counted.
        await MeasureAsync(host, "/raw", Connections);
        await MeasureAsync(host, "/hub", Connections);

        // Paired rounds, raw then hub, and the median of their differences. Both paths sometimes show a mode about 9 KB
        // per connection higher (common to both: the client sockets and Kestrel's connection, not the hub), so taking
        // the lowest of each side could pair a low raw round with a high hub round; a paired difference cancels it.
        var differences = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var r = await MeasureAsync(host, "/raw", Connections);
            var h = await MeasureAsync(host, "/hub", Connections);
            output.WriteLine($"round {round}: raw WebSocket {r:F0} B per connection, hub {h:F0} B per connection");
            differences.Add(h - r);
        }

        differences.Sort();
        var median = differences[Rounds / 2];
        output.WriteLine($"median difference {median:F0} B per connection");
        Assert.True(median <= MaxBytesOverRawFloor, $"An idle hub connection holds {median:F0} B more than a raw WebSocket (median of {Rounds} paired rounds; bound {MaxBytesOverRawFloor} B).");
    }

    private static async Task RawIdleAsync(HttpContext context)
    {
        Interlocked.Increment(ref s_open);
        try
        {
            await RawEchoLoopAsync(context);
        }
        finally
        {
            Closed();
        }
    }

    private static async Task RawEchoLoopAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await socket.SendAsync("{}\u001e"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        while (true)
        {
            var result = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return;
            }

            var buffer = new byte[1024];
            await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
        }
    }

    /// <summary>Opens <paramref name="count"/> connections, each answered once (the handshake response), and returns the heap growth per connection.</summary>
    private static async Task<double> MeasureAsync(HubAppHost host, string path, int count)
    {
        var uri = new UriBuilder(new Uri(host.BaseAddress, path)) { Scheme = "ws" }.Uri;
        var sockets = new ClientWebSocket[count];
        var handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
        var before = GC.GetTotalMemory(forceFullCollection: true);
        try
        {
            for (var batch = 0; batch < count; batch += 50)
            {
                await Task.WhenAll(Enumerable.Range(batch, Math.Min(50, count - batch)).Select(async i =>
                {
                    var socket = sockets[i] = new ClientWebSocket();
                    await socket.ConnectAsync(uri, CancellationToken.None);
                    await socket.SendAsync(handshake, WebSocketMessageType.Text, true, CancellationToken.None);
                    var response = new byte[16];
                    var result = await socket.ReceiveAsync(response.AsMemory(), CancellationToken.None);
                    Assert.Equal("{}\u001e", Encoding.UTF8.GetString(response, 0, result.Count));
                })).WaitAsync(TimeSpan.FromSeconds(30));
            }

            var after = GC.GetTotalMemory(forceFullCollection: true);
            return (after - before) / (double)count;
        }
        finally
        {
            await Task.WhenAll(sockets.Where(s => s is not null).Select(async s =>
            {
                try
                {
                    await s.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
                }
                catch (Exception)
                {
                    s.Abort();
                }

                s.Dispose();
            }));

            // The next measurement starts once the server has let go of these connections (the last close signals).
            var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref s_drained, drained);
            if (Volatile.Read(ref s_open) == 0)
            {
                drained.TrySetResult(); // all closed before the signal was installed
            }

            await drained.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public sealed class IdleHub : Hub
    {
        public override Task OnConnectedAsync()
        {
            Interlocked.Increment(ref s_open);
            return Task.CompletedTask;
        }

        public override Task OnDisconnectedAsync(Exception? exception)
        {
            Closed();
            return Task.CompletedTask;
        }
    }
}
