using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using SignalRLite.Internal.Connections;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// Stateful reconnect at the connection layer: a new socket's messages reach the application only after its reattach
/// callback returned. The hub layer moves its writes to the new output pipe in that callback; a message it handled
/// before (a Sequence it refuses) was answered into the old pipe, which is dropped, and the Close never reached the
/// client (StatefulReconnectConformanceTests.C111 failed so under load).
/// </summary>
[Trait("Category", "Integration")]
public sealed class WebSocketReattachOrderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private sealed class Flag
    {
        public volatile bool Set;
    }

    [Fact]
    public async Task ANewSocketsMessagesReachTheApplicationOnlyAfterItsReattachCallback()
    {
        var callbackStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = Channel.CreateUnbounded<(string Text, bool AfterCallback)>();
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.AllowStatefulReconnects = true, application: async connection =>
        {
            var callbackDone = new Flag();
            connection.Features.Get<IStatefulReconnectFeature>()!.OnReconnected(async writer =>
            {
                callbackStarted.TrySetResult();
                await release.Task;
                callbackDone.Set = true;
                await writer.WriteAsync("replay"u8.ToArray());
            });

            var input = connection.Transport.Input;
            while (true)
            {
                var result = await input.ReadAsync();
                if (!result.Buffer.IsEmpty)
                {
                    reads.Writer.TryWrite((Encoding.UTF8.GetString(result.Buffer.ToArray()), callbackDone.Set));
                }

                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        });

        using var http = server.CreateClient();
        using var negotiate = await http.PostAsync(TransportTestServer.Path + "/negotiate?negotiateVersion=1&useStatefulReconnect=true", null);
        using var negotiated = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync());
        var token = Uri.EscapeDataString(negotiated.RootElement.GetProperty("connectionToken").GetString()!);

        using var first = await server.ConnectWebSocketAsync($"?id={token}");
        await first.SendAsync("a"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        Assert.Equal(("a", false), await reads.Reader.ReadAsync().AsTask().WaitAsync(Timeout));

        // The client drops the socket and comes back at once (the server may not have noticed the drop yet).
        first.Abort();
        using var second = await server.ConnectWebSocketAsync($"?id={token}");
        await callbackStarted.Task.WaitAsync(Timeout);
        await second.SendAsync("b"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        // While the callback runs, "b" stays with the new socket (a negative: read before, it would show here).
        await TestWaits.NegativeWindowAsync();
        Assert.False(reads.Reader.TryRead(out var early), $"read before the reattach callback returned: {early.Text}");

        release.SetResult();
        Assert.Equal(("b", true), await reads.Reader.ReadAsync().AsTask().WaitAsync(Timeout));
        var buffer = new byte[64];
        var received = await second.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal("replay", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }
}
