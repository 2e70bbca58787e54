using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using Xunit.Abstractions;
using ClientHubException = Microsoft.AspNetCore.SignalR.HubException;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Interop;

/// <summary>
/// Streams in both directions, client results and invocation ordering with the official .NET client, over every
/// transport and both protocols (MessagePack not over Server-Sent Events).
/// </summary>
[Trait("Category", "Integration")]
public class StreamingInteropTests(ITestOutputHelper output)
{
    private const int Items = 10_000;

    public static TheoryData<HubHostKind, ClientTransport, bool> Variants => new()
    {
        { HubHostKind.Kestrel, ClientTransport.WebSockets, false },
        { HubHostKind.Kestrel, ClientTransport.WebSockets, true },
        { HubHostKind.Kestrel, ClientTransport.ServerSentEvents, false },
        { HubHostKind.Kestrel, ClientTransport.LongPolling, false },
        { HubHostKind.Kestrel, ClientTransport.LongPolling, true },
        { HubHostKind.TestHost, ClientTransport.WebSockets, false },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task TenThousandItemsStreamCompleteAndInOrder(HubHostKind kind, ClientTransport transport, bool messagePack)
    {
        await using var host = await StartAsync(kind);
        var client = await ConnectAsync(host, "/streaming", transport, messagePack);

        foreach (var method in new[] { "Counter", "CounterChannel", "CounterChannelTask", "CounterValueTask" })
        {
            var watch = Stopwatch.StartNew();
            var items = new List<int>(Items);
            using var cts = new CancellationTokenSource(TestConnection.DefaultTimeout);
            await foreach (var item in client.StreamAsync<int>(method, Items, cts.Token))
            {
                items.Add(item);
            }

            output.WriteLine($"{method}: {Items} items in {watch.ElapsedMilliseconds} ms");
            Assert.Equal(Enumerable.Range(0, Items), items);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task CancellingAStreamStopsTheServerWithinABoundedNumberOfItems(HubHostKind kind, ClientTransport transport, bool messagePack)
    {
        await using var host = await StartAsync(kind);
        var probe = host.Services.GetRequiredService<StreamingProbe>();
        var client = await ConnectAsync(host, "/streaming", transport, messagePack);

        using var cts = new CancellationTokenSource();
        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.StreamAsync<int>("Endless", "k", cts.Token))
            {
                if (++received == 5)
                {
                    cts.Cancel();
                }
            }
        });

        var (produced, cancelled) = await probe.Ended("k").WaitAsync();
        output.WriteLine($"received {received}, server produced {produced}");
        Assert.True(cancelled);
        Assert.InRange(produced, 5, 1000);
        Assert.Equal(1L, await client.InvokeAsync<long>("Sum", ChannelOf(1)));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task ADisconnectCancelsEveryStreamOfTheConnection(HubHostKind kind, ClientTransport transport, bool messagePack)
    {
        await using var host = await StartAsync(kind);
        var probe = host.Services.GetRequiredService<StreamingProbe>();
        var client = await ConnectAsync(host, "/streaming", transport, messagePack);

        foreach (var key in new[] { "d1", "d2" })
        {
            var reader = await client.StreamAsChannelAsync<int>("Endless", key);
            await reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout);
        }

        await client.StopAsync();
        Assert.True((await probe.Ended("d1").WaitAsync()).Cancelled);
        Assert.True((await probe.Ended("d2").WaitAsync()).Cancelled);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task TenThousandUploadedItemsAreSummed(HubHostKind kind, ClientTransport transport, bool messagePack)
    {
        await using var host = await StartAsync(kind);
        var client = await ConnectAsync(host, "/streaming", transport, messagePack);
        const long expected = (long)Items * (Items - 1) / 2;

        var watch = Stopwatch.StartNew();
        Assert.Equal(expected, await client.InvokeAsync<long>("Sum", ChannelOf(Enumerable.Range(0, Items).ToArray())).WaitAsync(TestConnection.DefaultTimeout));
        output.WriteLine($"ChannelReader upload: {Items} items in {watch.ElapsedMilliseconds} ms");

        watch.Restart();
        Assert.Equal($"{Items}:{expected}", await client.InvokeAsync<string>("SumEnumerable", Enumerable.Range(0, Items).ToAsyncEnumerable()).WaitAsync(TestConnection.DefaultTimeout));
        output.WriteLine($"IAsyncEnumerable upload: {Items} items in {watch.ElapsedMilliseconds} ms");

        // Several uploads on one connection at once.
        var channels = Enumerable.Range(0, 3).Select(_ => Channel.CreateUnbounded<int>()).ToArray();
        var sums = channels.Select(c => client.InvokeAsync<long>("Sum", c.Reader)).ToArray();
        for (var i = 1; i <= 100; i++)
        {
            for (var c = 0; c < channels.Length; c++)
            {
                await channels[c].Writer.WriteAsync(i * (c + 1));
            }
        }

        foreach (var channel in channels)
        {
            channel.Writer.Complete();
        }

        var totals = await Task.WhenAll(sums).WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(new long[] { 5050, 10100, 15150 }, totals);

        // The client's error completes the reader with an error.
        var failing = Channel.CreateUnbounded<int>();
        var outcome = client.InvokeAsync<string>("UploadOutcome", failing.Reader);
        await failing.Writer.WriteAsync(1);
        await failing.Writer.WriteAsync(2);
        failing.Writer.Complete(new InvalidOperationException("client gave up"));
        Assert.StartsWith("failed:2:", await outcome.WaitAsync(TestConnection.DefaultTimeout));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task ClientResultsRoundTripFailAndCancel(HubHostKind kind, ClientTransport transport, bool messagePack)
    {
        await using var host = await StartAsync(kind);
        var asker = await ConnectAsync(host, "/streaming", transport, messagePack);
        asker.On<string, string>("Ask", q => "A:" + q);

        // Inside a hub method, from its own caller, with the default MaximumParallelInvocationsPerClient = 1.
        Assert.Equal("caller said A:q", await asker.InvokeAsync<string>("AskCaller", "q"));

        var answerer = await ConnectAsync(host, "/streaming", transport, messagePack);
        answerer.On<string, string>("Ask", async q =>
        {
            await Task.Yield();
            return q == "fail" ? throw new InvalidOperationException("client boom") : "B:" + q;
        });
        Assert.Equal("ok:B:x", await asker.InvokeAsync<string>("AskSingle", answerer.ConnectionId, "x", 5000));

        // From outside a hub.
        var context = host.Services.GetRequiredService<IHubContext<StreamingHub>>();
        Assert.Equal("B:y", await context.Clients.Client(answerer.ConnectionId!).InvokeAsync<string>("Ask", "y", CancellationToken.None));

        // The client's error faults the result.
        var error = await Assert.ThrowsAsync<HubException>(() => context.Clients.Client(answerer.ConnectionId!).InvokeAsync<string>("Ask", "fail", CancellationToken.None));
        Assert.Contains("client boom", error.Message);

        // The token cancels it (the client never answers).
        var silent = await ConnectAsync(host, "/streaming", transport, messagePack);
        var asked = new Signal();
        silent.On<string, string>("Ask", async _ =>
        {
            asked.TrySetResult();
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            return "never";
        });
        using (var cts = new CancellationTokenSource())
        {
            // Cancelled once the client has the request (its handler ran), not after a guessed delay.
            var invocation = context.Clients.Client(silent.ConnectionId!).InvokeAsync<string>("Ask", "z", cts.Token);
            await asked.WaitAsync();
            cts.Cancel();
            var canceled = await Assert.ThrowsAsync<HubException>(() => invocation.WaitAsync(TestConnection.DefaultTimeout));
            Assert.Equal("Invocation canceled by the server.", canceled.Message);
        }

        // A disconnect faults it (once the client has this second request: a new signal, the handler reads the variable).
        asked = new Signal();
        var pending = context.Clients.Client(silent.ConnectionId!).InvokeAsync<string>("Ask", "z", CancellationToken.None);
        await asked.WaitAsync();
        var silentId = silent.ConnectionId;
        await silent.StopAsync();
        var disconnected = await Assert.ThrowsAsync<IOException>(() => pending.WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal($"Connection '{silentId}' disconnected.", disconnected.Message);

        Assert.Equal("caller said A:still", await asker.InvokeAsync<string>("AskCaller", "still"));
    }

    [Theory]
    [InlineData(ClientTransport.WebSockets, false)]
    [InlineData(ClientTransport.LongPolling, true)]
    public async Task StronglyTypedClientResults(ClientTransport transport, bool messagePack)
    {
        await using var host = await StartAsync(HubHostKind.Kestrel);
        var client = await ConnectAsync(host, "/typed-streaming", transport, messagePack);
        client.On<string, string>("Ask", q => "T:" + q);
        client.On<int, int>("AskNumber", n => n * 2);

        Assert.Equal("typed T:q", await client.InvokeAsync<string>("AskCaller", "q"));
        Assert.Equal(42, await client.InvokeAsync<int>("AskNumber", client.ConnectionId, 21));

        var context = host.Services.GetRequiredService<IHubContext<TypedStreamingHub, IStreamingClient>>();
        Assert.Equal("T:ctx", await context.Clients.Client(client.ConnectionId!).Ask("ctx"));
        Assert.Equal(8, await context.Clients.Client(client.ConnectionId!).AskNumber(4, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task QueuedInvocationsRunOneAtATimeInArrivalOrder(HubHostKind kind, ClientTransport transport, bool messagePack)
    {
        await using var host = await StartAsync(kind);
        var probe = host.Services.GetRequiredService<StreamingProbe>();
        var client = await ConnectAsync(host, "/streaming", transport, messagePack);

        var running = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => client.InvokeAsync<int>("Append", i))).WaitAsync(TestConnection.DefaultTimeout);

        Assert.Equal(Enumerable.Range(0, 200), probe.Appended);
        Assert.All(running, r => Assert.Equal(1, r));
        Assert.Equal(1, probe.MaxRunning);
    }

    [Fact]
    public async Task AnInvocationWithAnUploadRunsOutsideTheParallelLimitAsWithTheOfficialServer()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var probe = host.Probe();
        var client = await host.ConnectAsync("/hub");
        var held = client.InvokeAsync<string>("Gate", "held");
        await probe.Started("held").WaitAsync();

        // MaximumParallelInvocationsPerClient = 1 and "held" runs, yet the upload is summed.
        Assert.Equal(10, await client.InvokeAsync<int>("Sum", ChannelOf(1, 2, 3, 4)).WaitAsync(TestConnection.DefaultTimeout));
        probe.Gate("held").TrySetResult();
        Assert.Equal("held", await held.WaitAsync(TestConnection.DefaultTimeout));
    }

    private static ChannelReader<int> ChannelOf(params int[] values)
    {
        var channel = Channel.CreateUnbounded<int>();
        foreach (var value in values)
        {
            channel.Writer.TryWrite(value);
        }

        channel.Writer.Complete();
        return channel.Reader;
    }

    private static Task<HubAppHost> StartAsync(HubHostKind kind) =>
        HubAppHost.StartAsync(
            kind,
            s =>
            {
                s.AddSingleton<StreamingProbe>();
                s.AddSignalRLite().AddMessagePackProtocol();
            },
            app =>
            {
                app.MapHub<StreamingHub>("/streaming");
                app.MapHub<TypedStreamingHub>("/typed-streaming");
            });

    private static async Task<HubConnection> ConnectAsync(HubAppHost host, string path, ClientTransport transport, bool messagePack)
    {
        var client = host.CreateClient(path, transport, configure: b =>
        {
            if (messagePack)
            {
                b.AddMessagePackProtocol();
            }

            b.WithServerTimeout(TimeSpan.FromSeconds(10));
        });
        await client.StartAsync().WaitAsync(TestConnection.DefaultTimeout);

        // The handshake is answered before the server registers the connection; the first invocation runs after it,
        // so once it returns, Clients.Client(id) and broadcasts reach this client.
        Assert.Equal(client.ConnectionId, await client.InvokeAsync<string>("GetConnectionId").WaitAsync(TestConnection.DefaultTimeout));
        return client;
    }
}
