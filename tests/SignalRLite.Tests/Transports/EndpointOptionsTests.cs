using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using SignalRLite.Http.Connections;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Transports;

/// <summary>HttpConnectionDispatcherOptions: transports, methods, buffer sizes and timeouts.</summary>
[Trait("Category", "Integration")]
public class EndpointOptionsTests
{
    [Fact]
    public async Task DisabledTransportRequestsAre404WithShortText()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, o => o.Transports = HttpTransportType.WebSockets);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        var sse = await client.SendAsync(SseStream.CreateRequest("?id=" + token));
        Assert.Equal(HttpStatusCode.NotFound, sse.StatusCode);
        Assert.Equal("ServerSentEvents transport not supported by this end point type", await sse.Content.ReadAsStringAsync());
        var poll = await client.GetAsync(TransportTestServer.Path + "?id=" + token);
        Assert.Equal(HttpStatusCode.NotFound, poll.StatusCode);
        Assert.Equal("LongPolling transport not supported by this end point type", await poll.Content.ReadAsStringAsync());

        await using var lpOnly = await TransportTestServer.StartAsync(HostKind.TestHost, o => o.Transports = HttpTransportType.LongPolling);
        Assert.Equal(404, await WebSocketTransportTests.RejectedStatusAsync(lpOnly, ""));
        Assert.Equal(0, lpOnly.Manager.Count);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("HEAD")]
    [InlineData("OPTIONS")]
    public async Task OtherMethodsAre405(string method)
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), TransportTestServer.Path + "?id=x"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        var negotiate = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), TransportTestServer.Path + "/negotiate"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, negotiate.StatusCode);
    }

    [Fact]
    public async Task WebSocketIncomingFramesRespectTransportMaxBufferSize()
    {
        const int threshold = 8192;
        var maxSeen = 0L;
        var reachedThreshold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var total = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.TransportMaxBufferSize = threshold, async c =>
        {
            var input = c.Transport.Input;
            while (true)
            {
                // Examine without consuming: everything stays buffered in the pipe.
                var result = await input.ReadAsync();
                maxSeen = Math.Max(maxSeen, result.Buffer.Length);
                if (result.Buffer.Length >= threshold)
                {
                    reachedThreshold.TrySetResult();
                    input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    break;
                }

                input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }

            await consume.Task;
            long count = 0;
            while (count < 256 * 1024)
            {
                var result = await input.ReadAsync();
                count = result.Buffer.Length;
                input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            total.TrySetResult(count);
        });
        using var socket = await server.ConnectWebSocketAsync();
        var payload = new byte[256 * 1024];
        var send = socket.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        await reachedThreshold.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Observation window for a negative property (no event): the server must not read further while the pipe is full.
        await TestWaits.NegativeWindowAsync();
        Assert.InRange(maxSeen, threshold, threshold + 8192);
        consume.SetResult();
        Assert.Equal(256 * 1024, await total.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await send;
    }

    [Fact]
    public async Task OutgoingDataIsBoundedByApplicationMaxBufferSize()
    {
        long flushed = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, o =>
        {
            o.ApplicationMaxBufferSize = 4096;
            o.LongPolling.PollTimeout = TimeSpan.FromSeconds(5);
        }, async c =>
        {
            var chunk = new byte[1024];
            for (var i = 0; i < 64; i++)
            {
                await c.Transport.Output.WriteAsync(chunk);
                Interlocked.Add(ref flushed, chunk.Length);
            }

            done.TrySetResult();
            await c.Transport.Input.ReadAsync();
        });
        using var client = server.CreateClient();
        var token = await LongPollingTransportTests.ConnectAsync(client);
        // No poll outstanding: nobody reads the output pipe, so writes must stall near 4 KB. A negative (no further
        // write completes) has no event to await: a short bounded window in which unbounded writes would have run on.
        await TestWaits.NegativeWindowAsync();
        Assert.InRange(Interlocked.Read(ref flushed), 1024, 4096 + 1024);
        long received = 0;
        while (received < 64 * 1024)
        {
            var poll = await client.GetAsync(TransportTestServer.Path + "?id=" + token);
            received += (await poll.Content.ReadAsByteArrayAsync()).Length;
        }

        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(64 * 1024, received);
    }

    [Fact]
    public async Task WebSocketSendThatDoesNotCompleteInTransportSendTimeoutClosesTheConnection()
    {
        var app = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.TransportSendTimeout = TimeSpan.FromMilliseconds(300), captureLogs: true, application: async c =>
        {
            var chunk = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var flush = await c.Transport.Output.WriteAsync(chunk, c.ConnectionClosed);
                    if (flush.IsCompleted)
                    {
                        break;
                    }
                }

                app.TrySetResult(null);
            }
            catch (Exception ex)
            {
                app.TrySetResult(ex);
            }
        });
        // The client never reads: the socket buffers fill and a send blocks past the timeout.
        using var socket = await server.ConnectWebSocketAsync();
        await app.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(30));
        Assert.Contains(server.Logs!.Entries, e => e.EventName == "SendTimedOut");
    }

    [Fact]
    public async Task SseFlushThatDoesNotCompleteInTransportSendTimeoutClosesTheConnection()
    {
        var app = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.TransportSendTimeout = TimeSpan.FromMilliseconds(300), captureLogs: true, application: async c =>
        {
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'a');
            try
            {
                while (!(await c.Transport.Output.WriteAsync(chunk, c.ConnectionClosed)).IsCompleted)
                {
                }
            }
            catch (OperationCanceledException)
            {
            }

            app.TrySetResult();
        });
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        // Headers only: the client never reads the body, so the server's flushes eventually stall.
        using var response = await client.SendAsync(SseStream.CreateRequest("?id=" + token), HttpCompletionOption.ResponseHeadersRead);
        await app.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(30));
        Assert.Contains(server.Logs!.Entries, e => e.EventName == "SendTimedOut");
    }

    [Fact]
    public async Task ConnectionClosedFiresAndHeartbeatTicks()
    {
        var time = new ObservedTimeProvider();
        var heartbeat = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var features = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, application: async c =>
        {
            c.Features.Get<IConnectionHeartbeatFeature>()!.OnHeartbeat(_ => heartbeat.TrySetResult(), c);
            c.ConnectionClosed.Register(() => closed.TrySetResult());
            features.TrySetResult(c.Features.Get<IConnectionUserFeature>()?.User is not null
                && c.Features.Get<IConnectionIdFeature>()?.ConnectionId == c.ConnectionId
                && c.Features.Get<IConnectionItemsFeature>()?.Items == c.Items
                && c.Features.Get<IConnectionTransportFeature>()?.Transport == c.Transport
                && c.Features.Get<IConnectionLifetimeFeature>() is not null
                && c.Features.Get<IConnectionInherentKeepAliveFeature>()?.HasInherentKeepAlive == false
                && c.Features.Get<IConnectionEndPointFeature>() is not null);
            await TransportTestServer.EchoAsync(c);
        }, disconnectTimeout: TimeSpan.FromSeconds(10), timeProvider: time);
        using var socket = await server.ConnectWebSocketAsync();
        Assert.True(await features.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // The shared scan ticks the heartbeat (once a second here), synchronously inside Advance.
        Assert.False(heartbeat.Task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(heartbeat.Task.IsCompleted);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task HostShutdownClosesWebSocketsGracefully()
    {
        var app = new RecordingApplication();
        var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: app.RunAsync);
        using var socket = await server.ConnectWebSocketAsync();
        await app.Connected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var clientSide = Task.Run(async () =>
        {
            var (type, _) = await socket.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
            if (socket.State == WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }

            return type;
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), watch.Elapsed.ToString());
        Assert.Equal(WebSocketMessageType.Close, await clientSide);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Null(await app.InputEnded.Task);
        Assert.Equal(0, server.Manager.Count);
    }

    [Fact]
    public async Task HostShutdownEndsLongPollingAndSse()
    {
        var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30), timeProvider: new ObservedTimeProvider());
        using var client = server.CreateClient();
        var lpToken = await LongPollingTransportTests.ConnectAsync(client);
        var poll = client.GetAsync(TransportTestServer.Path + "?id=" + lpToken);
        await LongPollingTransportTests.WaitForPendingPollAsync(server, lpToken);
        var (_, sseToken) = await WebSocketTransportTests.NegotiateAsync(client);
        await using var sse = await SseStream.OpenAsync(client, "?id=" + sseToken);
        await sse.ReadUntilAsync(":\r\n");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), watch.Elapsed.ToString());
        Assert.Equal(HttpStatusCode.NoContent, (await poll).StatusCode);
        Assert.Equal("", await sse.ReadToEndAsync());
        Assert.Equal(0, server.Manager.Count);
    }
}

public class LoggingTests
{
    [Fact]
    public async Task AccessTokenAndConnectionTokenAreNeverLogged()
    {
        const string secret = "SECRET-ACCESS-TOKEN-42";
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, captureLogs: true);
        using var client = server.CreateClient();
        var response = await client.PostAsync(TransportTestServer.Path + "/negotiate?negotiateVersion=1&access_token=" + secret, null);
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        using (var socket = await server.ConnectWebSocketAsync("?id=" + token + "&access_token=" + secret))
        {
            await socket.SendTextAsync("x");
            await socket.ReceiveTextAsync(1);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        var (_, lpToken) = await WebSocketTransportTests.NegotiateAsync(client);
        await client.GetAsync(TransportTestServer.Path + "?id=" + lpToken + "&access_token=" + secret);
        await client.PostAsync(TransportTestServer.Path + "?id=" + lpToken + "&access_token=" + secret, new StringContent("x"));
        await client.DeleteAsync(TransportTestServer.Path + "?id=" + lpToken + "&access_token=" + secret);
        await client.GetAsync(TransportTestServer.Path + "?id=unknown&access_token=" + secret);
        await server.WaitForConnectionCountAsync(1);

        var ours = server.Logs!.Entries.Where(e => e.Category.StartsWith("SignalRLite", StringComparison.Ordinal)).ToList();
        Assert.Contains(ours, e => e.EventName == "ConnectionCreated");
        Assert.DoesNotContain(ours, e => e.Message.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(ours, e => e.Message.Contains(token!, StringComparison.Ordinal));
        Assert.DoesNotContain(ours, e => e.Message.Contains(lpToken!, StringComparison.Ordinal));
    }
}
