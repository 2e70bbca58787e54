using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Performance;

/// <summary>
/// Allocation cost of a broadcast (<c>Clients.All.SendAsync</c>) per recipient, in-process over pipes: the difference
/// between broadcasting to many and to few connections, so the per-broadcast constant (arguments, message, its
/// serialisation once per protocol) cancels out. Not timed.
/// </summary>
[Collection(nameof(AllocationCollection))]
[Trait("Category", "Integration")]
public sealed class BroadcastAllocationTests(ITestOutputHelper output)
{
    private const int Broadcasts = 500;

    // Goal: 8 B per recipient.
    private const double MaxBytesPerRecipient = 8;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Broadcast_allocates_nothing_per_recipient(bool messagePack)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
        services.AddSignalRLite().AddMessagePackProtocol();
        await using var provider = services.BuildServiceProvider();
        var handler = provider.GetRequiredService<HubConnectionHandler<HotPathAllocationTests.EchoHub>>();
        var hub = provider.GetRequiredService<IHubContext<HotPathAllocationTests.EchoHub>>();
        var clients = new List<(EchoPipeClient Client, Task Handler, Task Drain)>();

        async Task<double> MeasureAsync(int recipients)
        {
            while (clients.Count < recipients)
            {
                var client = new EchoPipeClient(messagePack, inlineReader: true);
                var running = Task.Run(() => handler.OnConnectedAsync(client.Context));
                await client.HandshakeAsync();
                await client.RoundTripsAsync(1); // dispatching means the connection has joined the broadcast set
                clients.Add((client, running, client.DrainAsync()));
            }

            for (var i = 0; i < 50; i++)
            {
                await hub.Clients.All.SendAsync("Message", "0123456789abcdef0123456789abcdef");
            }

            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < Broadcasts; i++)
            {
                await hub.Clients.All.SendAsync("Message", "0123456789abcdef0123456789abcdef");
            }

            return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Broadcasts;
        }

        var few = await MeasureAsync(10);
        var many = await MeasureAsync(200);
        var perRecipient = (many - few) / 190;
        output.WriteLine($"{(messagePack ? "messagepack" : "json")}: {few:F0} B per broadcast to 10, {many:F0} B to 200: {perRecipient:F2} B per recipient");

        foreach (var (client, running, drain) in clients)
        {
            client.Close();
            await running.WaitAsync(TimeSpan.FromSeconds(10));
            await drain.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.All(clients, c => Assert.True(c.Client.Received >= Broadcasts + 50));
        Assert.True(perRecipient <= MaxBytesPerRecipient, $"A broadcast allocates {perRecipient:F2} B per recipient (budget {MaxBytesPerRecipient} B).");
    }
}
