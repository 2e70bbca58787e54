using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Hubs;

/// <summary>
/// A client that stops reading its socket (on Kestrel, with a 4 KB receive buffer so that the stall bites) while the
/// server sends to everyone: the sends and the other clients keep going, and the stalled client is closed as a slow
/// consumer once more than <see cref="HubOptions.MaximumQueuedMessagesPerClient"/> messages wait for it.
/// </summary>
[Trait("Category", "Integration")]
public class SlowClientTests
{
    private const int Limit = 100;
    private const int MaxMessages = 3_000;
    private static readonly string Payload = new('x', 16 * 1024);

    [Fact]
    public async Task A_stalled_client_neither_holds_up_a_broadcast_nor_the_other_clients_and_is_closed()
    {
        var disconnected = new Signal<string>();
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            services =>
            {
                services.AddSingleton(disconnected);
                services.AddSignalRLite(o => o.MaximumQueuedMessagesPerClient = Limit);
            },
            app => app.MapHub<SlowClientHub>("/slow"));

        var received = 0;
        var all = new Signal();
        var healthy = host.CreateClient("/slow", configure: b => b.AddJsonProtocol());
        var target = MaxMessages;
        var outOfOrder = -1;
        healthy.On<int, string>("m", (i, payload) =>
        {
            if (i != Volatile.Read(ref received))
            {
                Interlocked.CompareExchange(ref outOfOrder, i, -1);
            }

            if (Interlocked.Increment(ref received) == Volatile.Read(ref target))
            {
                all.TrySetResult();
            }
        });
        await healthy.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        // The handshake is answered before the connection is registered for sends to all; an invocation is handled after.
        Assert.Equal("pong", await healthy.InvokeAsync<string>("Ping").WaitAsync(TestConnection.DefaultTimeout));

        using var stalled = await ConnectStalledAsync(host.BaseAddress);

        // Send until the stalled client is closed (its kernel buffers absorb a few megabytes first); each send must
        // complete although one recipient reads nothing.
        var context = host.Services.GetRequiredService<IHubContext<SlowClientHub>>();
        var sent = 0;
        while (sent < MaxMessages && !disconnected.Task.IsCompleted)
        {
            await context.Clients.All.SendAsync("m", sent, Payload).WaitAsync(TimeSpan.FromSeconds(10));
            sent++;
        }

        // Closing runs off the sender's path; the disconnect callback follows shortly.
        var closed = await disconnected.WaitAsync();
        Assert.NotEqual(healthy.ConnectionId, closed);

        // The healthy client got every message, in order, and its connection still works.
        Volatile.Write(ref target, sent);
        if (Volatile.Read(ref received) == sent)
        {
            all.TrySetResult();
        }

        await all.WaitAsync();
        Assert.Equal(-1, outOfOrder);
        Assert.Equal(sent, received);
        Assert.Equal(HubConnectionState.Connected, healthy.State);
        Assert.Equal("pong", await healthy.InvokeAsync<string>("Ping").WaitAsync(TestConnection.DefaultTimeout));
    }

    [Fact]
    public async Task Without_a_limit_a_broadcast_waits_for_the_stalled_client_as_the_official_server_does()
    {
        var disconnected = new Signal<string>();
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            services =>
            {
                services.AddSingleton(disconnected);
                services.AddSignalRLite(o => o.MaximumQueuedMessagesPerClient = null);
            },
            app => app.MapHub<SlowClientHub>("/slow"));

        using var stalled = await ConnectStalledAsync(host.BaseAddress);
        var context = host.Services.GetRequiredService<IHubContext<SlowClientHub>>();

        // 3,000 x 16 KB (48 MB) is far more than the stalled client's socket buffers (a 4 KB receive buffer and a few
        // MB of kernel send buffer) can ever absorb, and the client reads nothing: some of these sends wait for it.
        // "Stays pending" is a negative without an event: a window in which sends that are not held back all complete.
        // It is long because a server that queues for the stalled client (MaximumQueuedMessagesPerClient = 100,000)
        // takes 1-3 s on a loaded 2-core machine to complete all 3,000 sends, and this test must fail for it.
        var sends = new Task[MaxMessages];
        for (var sent = 0; sent < MaxMessages; sent++)
        {
            sends[sent] = context.Clients.All.SendAsync("m", sent, Payload);
        }

        await Task.WhenAny(Task.WhenAll(sends), TestWaits.NegativeWindowAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains(sends, send => !send.IsCompleted);
        Assert.False(disconnected.Task.IsCompleted);

        // Closing the stalled client ends the wait.
        stalled.Abort();
        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// A raw WebSocket hub client with a 4 KB socket receive buffer that completes the handshake and one invocation (so
    /// that it is registered for sends), then never reads.
    /// </summary>
    internal static async Task<ClientWebSocket> ConnectStalledAsync(Uri baseAddress, string path = "/slow")
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var socket = new ClientWebSocket();
        var uri = new UriBuilder(new Uri(baseAddress, path)) { Scheme = "ws" }.Uri;
        await socket.ConnectAsync(uri, new HttpMessageInvoker(handler), CancellationToken.None);
        await socket.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal("{}\u001e", Encoding.UTF8.GetString(buffer, 0, result.Count));

        // The handshake is answered before the connection is registered for sends to all; an invocation is handled after.
        await socket.SendAsync("{\"type\":1,\"invocationId\":\"0\",\"target\":\"Ping\",\"arguments\":[]}\u001e"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        string received;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TestConnection.DefaultTimeout);
            received = Encoding.UTF8.GetString(buffer, 0, result.Count);
        }
        while (!received.Contains("\"type\":3", StringComparison.Ordinal));

        Assert.Contains("\"result\":\"pong\"", received, StringComparison.Ordinal);
        return socket;
    }

    public sealed class SlowClientHub(Signal<string> disconnected) : Hub
    {
        public string Ping() => "pong";

        public override Task OnDisconnectedAsync(Exception? exception)
        {
            disconnected.TrySetResult(Context.ConnectionId);
            return Task.CompletedTask;
        }
    }
}
