using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using SignalRLite.Internal.Transports;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// The application's output on a WebSocket without stateful reconnect is the socket itself (<see cref="WebSocketOutput"/>):
/// a flush sends what was written as one message, on the flushing thread, with the socket's backpressure; the
/// <see cref="PipeWriter"/> contract (cancellation, completion with and without an error) and the buffer an idle
/// connection gives back, on Kestrel with a real socket.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WebSocketDirectOutputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EachFlushIsOneMessage_WritesBeforeItAreCoalesced_AndASmallFlushCompletesOnTheFlushingThread()
    {
        var flushedSynchronously = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            var output = connection.Transport.Output;
            output.Write("one,"u8);
            output.Write("two"u8);
            var flush = output.FlushAsync();
            // The bytes went to the socket inside FlushAsync: no send loop, no hop.
            var synchronous = flush.IsCompletedSuccessfully;
            await flush;
            output.Write("three"u8);
            await output.FlushAsync();
            // Also: the end points are made on first read from the request's addresses, and kept.
            var endPoints = connection.RemoteEndPoint is System.Net.IPEndPoint remote
                && connection.LocalEndPoint is System.Net.IPEndPoint local
                && remote.Address.ToString() == "127.0.0.1" && remote.Port != local.Port
                && ReferenceEquals(remote, connection.RemoteEndPoint);
            flushedSynchronously.TrySetResult(synchronous && !((WebSocketOutput)output).HoldsBuffer && endPoints);
            await connection.Transport.Input.CopyToAsync(Stream.Null);
        });

        using var socket = await server.ConnectWebSocketAsync();
        Assert.Equal((WebSocketMessageType.Text, "one,two"), await socket.ReceiveMessageAsync(Timeout));
        Assert.Equal((WebSocketMessageType.Text, "three"), await socket.ReceiveMessageAsync(Timeout));
        Assert.True(await flushedSynchronously.Task.WaitAsync(Timeout), "a small flush completes synchronously and gives its buffer back; the end points are the request's");
    }

    [Fact]
    public async Task FlushesAndSharedSendsOnTheThreadPoolAndOnTheFlushingThreadKeepTheirOrder_AndAnIdleOutputHoldsNoBuffer()
    {
        const int Count = 500;
        var expected = new StringBuilder();
        for (var i = 0; i < Count; i++)
        {
            expected.Append(i).Append(',');
        }

        var idle = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            var output = (WebSocketOutput)connection.Transport.Output;
            for (var i = 0; i < Count; i++)
            {
                var bytes = Encoding.UTF8.GetBytes(i + ",");
                // In turn: a thread-pool send leaves a work item sending, and the next flush of any kind must go after
                // it; shared bytes (sent without a copy) may join a batch, or start one that later bytes are copied behind.
                switch (i % 3)
                {
                    case 0:
                        output.Write(bytes);
                        await output.FlushAsync();
                        break;
                    case 1:
                        await output.SendFromThreadPoolAsync(bytes);
                        break;
                    default:
                        // Written without a flush, then shared bytes: the written ones go first.
                        output.Write(bytes.AsSpan(0, 1));
                        await output.SendFromThreadPoolAsync(bytes.AsMemory(1));
                        break;
                }
            }

            await connection.Transport.Input.ReadAsync(); // the client's "done"
            idle.TrySetResult(!output.HoldsBuffer);
            await connection.Transport.Input.CopyToAsync(Stream.Null);
        });

        using var socket = await server.ConnectWebSocketAsync();
        var received = await socket.ReceiveTextAsync(expected.Length);
        Assert.Equal(expected.ToString(), received);
        await socket.SendTextAsync("done");
        Assert.True(await idle.Task.WaitAsync(Timeout), "the output still holds a buffer after everything was sent");
    }

    [Fact]
    public async Task ALargeMessageGrowsInOneBufferAndArrivesAsOneBinaryMessage()
    {
        const int Length = 300_007;
        var payload = new byte[Length];
        new Random(7).NextBytes(payload);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            connection.Features.Get<ITransferFormatFeature>()!.ActiveFormat = TransferFormat.Binary;
            var output = connection.Transport.Output;
            // Written in odd-sized pieces through GetSpan/Advance, so the buffer grows several times.
            for (var offset = 0; offset < Length;)
            {
                var span = output.GetSpan(1000);
                var n = Math.Min(Math.Min(span.Length, 1001), Length - offset);
                payload.AsSpan(offset, n).CopyTo(span);
                output.Advance(n);
                offset += n;
            }

            Assert.Equal(Length, output.UnflushedBytes);
            await output.FlushAsync();
            await connection.Transport.Input.CopyToAsync(Stream.Null);
        });

        using var socket = await server.ConnectWebSocketAsync();
        var (type, bytes) = await ReceiveBinaryAsync(socket);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(payload, bytes);
    }

    [Fact]
    public async Task AFlushWaitsForASlowClient_ACancelledWaitLeavesItsBytesCommitted_AndTheNextFlushSendsAfterThem()
    {
        // The client does not read yet. Each flush is given an already cancelled token: one that can complete at once
        // does, and the first that would have to wait (backpressure) throws at once instead.
        var (started, result) = await StartStalledWriterAsync(async output =>
        {
            try
            {
                await output.FlushAsync(new CancellationToken(canceled: true));
                return false;
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        });
        await using var server = started;

        using var socket = await server.ConnectWebSocketAsync();
        // Every chunk arrives whole and in order, the cancelled one included, the last one after it.
        var (chunks, canceled, last) = await ReadChunksAsync(socket, result, ChunkSize);
        Assert.True(canceled);
        Assert.False(last.IsCompleted);
        Assert.False(last.IsCanceled);
        Assert.True(chunks > 1);
    }

    [Fact]
    public async Task CancelPendingFlushEndsAWaitingFlushAsCanceled_AndItsBytesStillArrive()
    {
        var (started, result) = await StartStalledWriterAsync(async output =>
        {
            var flush = output.FlushAsync();
            if (flush.IsCompleted)
            {
                return false;
            }

            // Waiting: woken as canceled, unless the socket drained in between (then it completed: try again).
            output.CancelPendingFlush();
            return (await flush).IsCanceled;
        });
        await using var server = started;

        using var socket = await server.ConnectWebSocketAsync();
        var (chunks, canceled, _) = await ReadChunksAsync(socket, result, ChunkSize);
        Assert.True(canceled);
        Assert.True(chunks > 1);
    }

    [Fact]
    public async Task CompletingTheOutputSendsWhatWasNotFlushed_ThenCloseFrame1000()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: connection =>
        {
            var output = connection.Transport.Output;
            output.Write("unflushed"u8);
            output.Complete();
            return connection.Transport.Input.CopyToAsync(Stream.Null);
        });

        using var socket = await server.ConnectWebSocketAsync();
        Assert.Equal((WebSocketMessageType.Text, "unflushed"), await socket.ReceiveMessageAsync(Timeout));
        var (type, _) = await socket.ReceiveMessageAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await server.WaitForConnectionCountAsync(0, Timeout);
    }

    [Fact]
    public async Task CompletingTheOutputWithAnErrorDropsWhatWasNotFlushed_AndClosesWith1011()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: connection =>
        {
            var output = connection.Transport.Output;
            output.Write("dropped"u8);
            output.Complete(new InvalidOperationException("the application failed"));
            return connection.Transport.Input.CopyToAsync(Stream.Null);
        });

        using var socket = await server.ConnectWebSocketAsync();
        var (type, _) = await socket.ReceiveMessageAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, socket.CloseStatus);
    }

    [Fact]
    public async Task AfterAGracefulCloseAFlushReportsTheOutputCompleted_AndSendsNothing()
    {
        var started = new TaskCompletionSource<ConnectionContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closedFlush = new TaskCompletionSource<FlushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closeSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            started.TrySetResult(connection);
            await closeSeen.Task;
            var output = connection.Transport.Output;
            output.Write("too late"u8);
            closedFlush.TrySetResult(await output.FlushAsync());
            await connection.Transport.Input.CopyToAsync(Stream.Null);
        });

        using var socket = await server.ConnectWebSocketAsync();
        var connection = (HttpConnectionContext)await started.Task.WaitAsync(Timeout);
        _ = connection.CloseAsync(null); // graceful: the transport sends close frame 1000 while the application runs
        var (type, _) = await socket.ReceiveMessageAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        closeSeen.TrySetResult();

        Assert.True((await closedFlush.Task.WaitAsync(Timeout)).IsCompleted);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await server.WaitForConnectionCountAsync(0, Timeout);
    }

    private const int ChunkSize = 256 * 1024;

    // A server whose application, on a binary connection, writes numbered chunks of ChunkSize bytes, each followed by
    // `flush` (true: the flush it was after happened, stop), then one last chunk of 0xEE with a plain flush, and reports
    // (chunks written, whether `flush` said so, that last flush's result).
    private static async Task<(TransportTestServer Server, Task<(int Chunks, bool Canceled, FlushResult Last)> Result)> StartStalledWriterAsync(
        Func<PipeWriter, Task<bool>> flush)
    {
        var chunk = new byte[ChunkSize];
        var result = new TaskCompletionSource<(int Chunks, bool Canceled, FlushResult Last)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async connection =>
        {
            connection.Features.Get<ITransferFormatFeature>()!.ActiveFormat = TransferFormat.Binary;
            var output = connection.Transport.Output;
            var chunks = 0;
            try
            {
                var done = false;
                while (!done)
                {
                    chunk.AsSpan().Fill((byte)(chunks % 200));
                    output.Write(chunk);
                    chunks++;
                    done = await flush(output);
                    Assert.True(chunks < 1000, "256 MB went out without the flush it waits for");
                }

                // Written after it: its bytes go after the committed ones, and this flush waits for them.
                chunk.AsSpan().Fill(0xEE);
                output.Write(chunk);
                var last = await output.FlushAsync();
                result.TrySetResult((chunks + 1, done, last));
            }
            catch (Exception ex)
            {
                result.TrySetException(ex);
            }

            await connection.Transport.Input.CopyToAsync(Stream.Null);
        });
        return (server, result.Task);
    }

    // Reads whole binary messages of `size` bytes until the application reported, checking that each is uniform
    // (one chunk, not mixed with the next) and that the numbering runs in order with 0xEE last.
    private static async Task<(int Chunks, bool Canceled, FlushResult Last)> ReadChunksAsync(
        WebSocket socket, Task<(int Chunks, bool Canceled, FlushResult Last)> result, int size)
    {
        var received = 0;
        while (true)
        {
            var (type, bytes) = await ReceiveBinaryAsync(socket);
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal(size, bytes.Length);
            Assert.All(bytes, b => Assert.Equal(bytes[0], b));
            received++;
            if (bytes[0] == 0xEE && result.IsCompleted)
            {
                var outcome = await result;
                Assert.Equal(outcome.Chunks, received);
                return outcome;
            }

            if (bytes[0] != 0xEE)
            {
                Assert.Equal((byte)((received - 1) % 200), bytes[0]);
            }
            else
            {
                // The last chunk arrived before the application saw its flush complete: wait for the report.
                var outcome = await result.WaitAsync(Timeout);
                Assert.Equal(outcome.Chunks, received);
                return outcome;
            }
        }
    }

    private static async Task<(WebSocketMessageType Type, byte[] Bytes)> ReceiveBinaryAsync(WebSocket socket)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var buffer = new byte[64 * 1024];
        using var stream = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, []);
            }

            stream.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, stream.ToArray());
            }
        }
    }
}
