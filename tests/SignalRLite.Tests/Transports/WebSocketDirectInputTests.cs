using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using SignalRLite.Internal.Transports;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// The application's input on a WebSocket without stateful reconnect is the socket itself (<see cref="WebSocketInput"/>),
/// not an input pipe: the <see cref="PipeReader"/> contract (examined/consumed, cancellation, completion), the read-ahead
/// bound (TransportMaxBufferSize) and the memory an idle connection gives back, on Kestrel with a real socket.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WebSocketDirectInputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AWebSocketWithoutStatefulReconnectUsesTheSocketDirectly_AStatefulOneKeepsThePipes()
    {
        var pipes = new List<(Type Input, Type Output)>();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.AllowStatefulReconnects = true, application: async connection =>
        {
            lock (pipes)
            {
                pipes.Add((connection.Transport.Input.GetType(), connection.Transport.Output.GetType()));
                if (pipes.Count == 2)
                {
                    seen.TrySetResult();
                }
            }

            await TransportTestServer.EchoAsync(connection);
        });

        using var plain = await server.ConnectWebSocketAsync();
        using var stateful = await server.ConnectWebSocketAsync("?useStatefulReconnect=true");
        await seen.Task.WaitAsync(Timeout);

        // Input and output: the socket itself (WebSocketOutput: WebSocketDirectOutputTests), or both pipes.
        Assert.Contains((typeof(WebSocketInput), typeof(WebSocketOutput)), pipes);
        Assert.Contains(pipes, p => p.Input != typeof(WebSocketInput) && p.Output != typeof(WebSocketOutput));
    }

    /// <summary>A message larger than several segments, in frames of odd sizes, read without consuming until complete.</summary>
    [Fact]
    public async Task AMessageSpanningSegmentsAndFramesArrivesWholeWhenTheReaderWaitsForAllOfIt()
    {
        const int Length = 20_011;
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            var input = connection.Transport.Input;
            while (true)
            {
                var result = await input.ReadAsync();
                if (result.Buffer.Length < Length && !result.IsCompleted)
                {
                    // Examined everything, consumed nothing: the next read must wait for more bytes.
                    input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    continue;
                }

                var text = Encoding.UTF8.GetString(result.Buffer.Slice(0, Length));
                input.AdvanceTo(result.Buffer.GetPosition(Length));
                await connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes($"{text.Length}:{Hash(text)}"));
                return;
            }
        });

        var payload = string.Concat(Enumerable.Range(0, Length).Select(i => (char)('a' + (i * 7 % 26))));
        using var socket = await server.ConnectWebSocketAsync();
        var bytes = Encoding.UTF8.GetBytes(payload);
        var offset = 0;
        foreach (var size in new[] { 1, 4095, 4097, 3000, 8818 - 1 })
        {
            await socket.SendAsync(bytes.AsMemory(offset, size), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
            offset += size;
        }

        await socket.SendAsync(bytes.AsMemory(offset), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        var (_, answer) = await socket.ReceiveMessageAsync(Timeout);
        Assert.Equal($"{Length}:{Hash(payload)}", answer);
    }

    [Fact]
    public async Task CancelPendingReadWakesAWaitingReaderAndTheBytesThatArriveLaterAreNotLost()
    {
        var reading = new TaskCompletionSource<PipeReader>(TaskCreationOptions.RunContinuationsAsynchronously);
        var canceled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            var input = connection.Transport.Input;
            var pending = input.ReadAsync();
            reading.TrySetResult(input);
            var first = await pending;
            Assert.True(first.IsCanceled);
            Assert.True(first.Buffer.IsEmpty);
            input.AdvanceTo(first.Buffer.End);
            canceled.TrySetResult();
            await TransportTestServer.EchoAsync(connection);
        });

        using var socket = await server.ConnectWebSocketAsync();
        var input = await reading.Task.WaitAsync(Timeout);
        input.CancelPendingRead();
        await canceled.Task.WaitAsync(Timeout);

        await socket.SendTextAsync("after the cancel");
        Assert.Equal("after the cancel", await socket.ReceiveTextAsync("after the cancel".Length));
    }

    [Fact]
    public async Task ACancelWithNoReadPendingCancelsTheNextRead()
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            var input = connection.Transport.Input;
            input.CancelPendingRead();
            var result = await input.ReadAsync();
            input.AdvanceTo(result.Buffer.Start);
            done.TrySetResult(result.IsCanceled);
            await TransportTestServer.EchoAsync(connection);
        });

        using var socket = await server.ConnectWebSocketAsync();
        Assert.True(await done.Task.WaitAsync(Timeout));
        await socket.SendTextAsync("x");
        Assert.Equal("x", await socket.ReceiveTextAsync(1));
    }

    /// <summary>
    /// While the application does not read, the socket is read ahead only up to TransportMaxBufferSize (plus what one
    /// receive brings); then receiving stops until the application consumes, and nothing is lost.
    /// </summary>
    [Fact]
    public async Task ReadAheadStopsAtTransportMaxBufferSizeAndResumesWhenTheApplicationConsumes()
    {
        const int MaxBuffer = 8 * 1024;
        const int Total = 64 * 1024;
        var started = new TaskCompletionSource<WebSocketInput>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.TransportMaxBufferSize = MaxBuffer, application: async connection =>
        {
            started.TrySetResult((WebSocketInput)connection.Transport.Input);
            await release.Task;
            long received = 0;
            while (received < Total)
            {
                var result = await connection.Transport.Input.ReadAsync();
                received += result.Buffer.Length;
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
            }

            await connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes(received.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        });

        using var socket = await server.ConnectWebSocketAsync();
        var input = await started.Task.WaitAsync(Timeout);
        var chunk = new byte[1024];
        for (var sent = 0; sent < Total; sent += chunk.Length)
        {
            // The client's sends complete into the kernel's buffers: loopback holds far more than 64 KB.
            await socket.SendAsync(chunk, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }

        // Polled: nothing announces that the driver stopped (it just does not issue the next receive).
        var deadline = DateTime.UtcNow + Timeout;
        while (input.IsReceiving || input.BufferedBytes < MaxBuffer)
        {
            Assert.True(DateTime.UtcNow < deadline, $"read-ahead did not stop: {input.BufferedBytes} B buffered, receiving {input.IsReceiving}");
            await Task.Yield();
        }

        Assert.InRange(input.BufferedBytes, MaxBuffer, MaxBuffer + 4096);

        release.TrySetResult();
        var (_, answer) = await socket.ReceiveMessageAsync(Timeout);
        Assert.Equal(Total.ToString(System.Globalization.CultureInfo.InvariantCulture), answer);
    }

    [Fact]
    public async Task AnIdleConnectionGivesItsReceiveBufferBack()
    {
        var started = new TaskCompletionSource<WebSocketInput>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            started.TrySetResult((WebSocketInput)connection.Transport.Input);
            await TransportTestServer.EchoAsync(connection);
        });

        using var socket = await server.ConnectWebSocketAsync();
        var input = await started.Task.WaitAsync(Timeout);
        await socket.SendTextAsync("ping");
        Assert.Equal("ping", await socket.ReceiveTextAsync(4));

        // Polled: the echo reaches the client before the application's AdvanceTo returns the segment.
        var deadline = DateTime.UtcNow + Timeout;
        while (input.HoldsBuffer)
        {
            Assert.True(DateTime.UtcNow < deadline, "the idle connection still holds its receive segment");
            await Task.Yield();
        }

        Assert.True(input.IsReceiving, "an idle connection keeps a zero-byte receive in flight");
    }

    [Fact]
    public async Task TheClientsCloseFrameCompletesTheReadAndACompletedReaderStillAnswersTheClose()
    {
        var completed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            // The bytes and the close may arrive in one read (data with IsCompleted) or in two, depending on timing:
            // what matters is that every byte is read and the read then completes.
            var input = connection.Transport.Input;
            long total = 0;
            var result = await input.ReadAsync();
            while (!result.IsCompleted)
            {
                total += result.Buffer.Length;
                input.AdvanceTo(result.Buffer.End);
                result = await input.ReadAsync();
            }

            total += result.Buffer.Length;
            input.AdvanceTo(result.Buffer.End);
            completed.TrySetResult(total == "some bytes first".Length);
        });

        using var socket = await server.ConnectWebSocketAsync();
        await socket.SendTextAsync("some bytes first");
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.True(await completed.Task.WaitAsync(Timeout));

        var (type, _) = await socket.ReceiveMessageAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task AnApplicationThatStopsReadingStillGetsTheClientsCloseFrameReadAndDiscarded()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            await connection.Transport.Input.CompleteAsync();
            await connection.Transport.Output.WriteAsync("bye"u8.ToArray());
        });

        using var socket = await server.ConnectWebSocketAsync();
        await socket.SendTextAsync("ignored");
        var (_, text) = await socket.ReceiveMessageAsync(Timeout);
        Assert.Equal("bye", text);
        var (type, _) = await socket.ReceiveMessageAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, type);

        // The server waits for our close frame (it reads and discards "ignored" before it): answering ends the request.
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await server.WaitForConnectionCountAsync(0, Timeout);
    }

    [Fact]
    public async Task AnAbortedConnectionFailsTheReadWithConnectionAborted()
    {
        var failure = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = new TaskCompletionSource<ConnectionContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            var pending = connection.Transport.Input.ReadAsync();
            reading.TrySetResult(connection);
            try
            {
                var result = await pending;
                failure.TrySetResult(null);
            }
            catch (Exception ex)
            {
                failure.TrySetResult(ex);
            }
        });

        using var socket = await server.ConnectWebSocketAsync();
        var connection = await reading.Task.WaitAsync(Timeout);
        connection.Abort(new ConnectionAbortedException("test abort"));

        var error = await failure.Task.WaitAsync(Timeout);
        Assert.IsType<ConnectionAbortedException>(error);
    }

    private static string Hash(string text) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
