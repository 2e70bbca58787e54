using System.Net.WebSockets;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Transports;

/// <summary>Runs alone (after the parallel tests): it measures process-wide allocations.</summary>
[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public class AllocationTestsCollection
{
}

[Collection(nameof(AllocationTests))]
[Trait("Category", "Integration")]
public class AllocationTests(ITestOutputHelper output)
{
    /// <summary>
    /// Process-wide allocations (server and client together) per echoed WebSocket message over Kestrel, once warm.
    /// The transport itself allocates nothing per message; the bound leaves room for the client and Kestrel.
    /// </summary>
    [Fact]
    public async Task WebSocketEchoAllocatesLittlePerMessage()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel);
        using var socket = await server.ConnectWebSocketAsync();
        var message = new byte[64];
        var receive = new byte[4096];

        async Task RoundTripsAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await socket.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
                var received = 0;
                while (received < message.Length)
                {
                    var result = await socket.ReceiveAsync(receive.AsMemory(), CancellationToken.None);
                    received += result.Count;
                }
            }
        }

        await RoundTripsAsync(2000);
        const int count = 10_000;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await RoundTripsAsync(count);
        var perMessage = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)count;
        output.WriteLine($"{perMessage:F1} bytes allocated per round trip (client and server)");
        Assert.True(perMessage < 64, $"{perMessage:F1} bytes per round trip");
    }
}
