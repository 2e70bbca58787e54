using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Transports;

/// <summary>5,000 connect/disconnect cycles per transport; the registry must end empty and memory stay bounded.</summary>
[Trait("Category", "Integration")]
public class ConnectionLeakTests(ITestOutputHelper output)
{
    private const int Cycles = 5000;
    private const int Parallelism = 8;
    private const long MemoryBound = 64 * 1024 * 1024;

    private static async Task RunCyclesAsync(Func<int, Task> cycle)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Parallelism).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Cycles)
            {
                await cycle(i);
            }
        });
        await Task.WhenAll(workers);
    }

    private async Task MeasureAsync(string transport, TransportTestServer server, Func<int, Task> cycle)
    {
        // Warm-up, so that JIT and pools do not count as growth.
        await cycle(-1);
        await server.WaitForConnectionCountAsync(0);
        var before = Collect();
        var watch = Stopwatch.StartNew();
        await RunCyclesAsync(cycle);
        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(30));
        watch.Stop();
        var after = Collect();
        output.WriteLine($"{transport}: {Cycles} cycles in {watch.Elapsed.TotalSeconds:F1} s; managed heap before {before / 1024} KB, after {after / 1024} KB, delta {(after - before) / 1024} KB");
        Assert.Equal(0, server.Manager.Count);
        Assert.True(after - before < MemoryBound, $"heap grew by {(after - before) / 1024} KB");
    }

    private static long Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    [Fact]
    public async Task WebSockets_5000Cycles_LeaveNoConnection()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel);
        using var client = server.CreateClient();
        await MeasureAsync("WebSockets", server, async i =>
        {
            // Alternate skip-negotiation and negotiated connections.
            var query = "";
            if (i % 2 == 0)
            {
                var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
                query = "?id=" + token;
            }

            using var socket = await server.ConnectWebSocketAsync(query);
            await socket.SendTextAsync("ping");
            await socket.ReceiveTextAsync(4);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        });
    }

    [Fact]
    public async Task ServerSentEvents_5000Cycles_LeaveNoConnection()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        await MeasureAsync("ServerSentEvents", server, async i =>
        {
            var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
            using var cts = new CancellationTokenSource();
            var sse = await SseStream.OpenAsync(client, "?id=" + token, cts.Token);
            await client.PostAsync(TransportTestServer.Path + "?id=" + token, new StringContent("ping"));
            await sse.ReadUntilAsync("data: ping\r\n\r\n");
            cts.Cancel();
            await sse.DisposeAsync();
        });
    }

    [Fact]
    public async Task LongPolling_5000Cycles_LeaveNoConnection()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel);
        using var client = server.CreateClient();
        await MeasureAsync("LongPolling", server, async i =>
        {
            var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
            var url = TransportTestServer.Path + "?id=" + token;
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
            await client.PostAsync(url, new StringContent("ping"));
            Assert.Equal("ping", await (await client.GetAsync(url)).Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync(url)).StatusCode);
        });
    }
}
