using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.Internal.Hubs;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.Hubs;

/// <summary>
/// The connection's single write path under backpressure: queued writers keep their order, a cancelled one gives up
/// its place without breaking the line, a busy output gets no ping, and the slow-consumer policy closes a stalled
/// client whose queue overflows. The client's pipe pauses after a few bytes, so the first write's flush waits.
/// </summary>
public class HubConnectionWriterTests
{
    [Fact]
    public async Task QueuedWritesLeaveInOrderAndACancelledWriterLeavesTheLine()
    {
        var c = new Harness();
        var first = c.Hub.WriteAsync(new InvocationMessage("A", []));
        Assert.False(first.IsCompleted); // the flush waits for the client: the writer keeps the output

        using var cancel = new CancellationTokenSource();
        var second = c.Hub.WriteAsync(new InvocationMessage("B", []), cancel.Token).AsTask();
        var third = c.Hub.WriteAsync(new InvocationMessage("C", []));
        c.Time.Advance(TimeSpan.FromMinutes(1));
        c.Hub.OnHeartbeat(c.Time.GetTimestamp()); // the output is busy: no ping joins the line
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(TimeSpan.FromSeconds(10)));

        var targets = await c.ReadTargetsAsync(2);
        Assert.Equal(new[] { "A", "C" }, targets);
        await first.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await third.AsTask().WaitAsync(TimeSpan.FromSeconds(11));

        // The line is empty again: the next write owns the output at once (its flush then waits for the client).
        var fourth = c.Hub.WriteAsync(new InvocationMessage("D", []));
        Assert.Equal(new[] { "D" }, await c.ReadTargetsAsync(1));
        await fourth.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task DeferredWriteIsFlushedOnRequest()
    {
        var c = new Harness(pauseAfter: 0);
        await c.Hub.WriteAsync(new InvocationMessage("A", []), flush: false);
        Assert.False(c.TryReadAny());
        c.Hub.FlushDeferredWrites();
        Assert.Equal(new[] { "A" }, await c.ReadTargetsAsync(1));
    }

    [Fact]
    public void StalledClientIsNotWaitedForAndIsClosedWhenItsQueueOverflows()
    {
        var c = new Harness(maximumQueued: 2);
        var message = new SerializedHubMessage(new InvocationMessage("Tick", []));
        Assert.False(c.Hub.WriteAsync(message).IsCompleted);

        // Nothing flushed for longer than StalledAfter: the fan-out does not wait for this client's writes.
        c.Time.Advance(HubConnectionContext.StalledAfter + TimeSpan.FromMilliseconds(1));
        Assert.Null(c.Hub.WriteFanOut(message, default));
        Assert.Null(c.Hub.WriteFanOut(message, default));
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);

        Assert.Null(c.Hub.WriteFanOut(message, default));
        Assert.Equal(HubConnectionCloseReason.SlowClient, c.Hub.CloseReason);
    }

    [Fact]
    public void SlowButNotStalledClientIsWaitedFor()
    {
        var c = new Harness(maximumQueued: 2);
        var message = new SerializedHubMessage(new InvocationMessage("Tick", []));
        Assert.False(c.Hub.WriteAsync(message).IsCompleted);
        Assert.NotNull(c.Hub.WriteFanOut(message, default));
    }

    private sealed class Harness
    {
        private readonly Pipe _toClient;
        private readonly StringBuilder _received = new();

        public Harness(long pauseAfter = 8, int? maximumQueued = 1_000)
        {
            _toClient = new Pipe(new PipeOptions(pauseWriterThreshold: pauseAfter, resumeWriterThreshold: pauseAfter / 2, useSynchronizationContext: false));
            var toServer = new Pipe();
            var connection = new DefaultConnectionContext("c1", new Duplex(toServer.Reader, _toClient.Writer), new Duplex(_toClient.Reader, toServer.Writer));
            var options = new HubConnectionContextOptions
            {
                KeepAliveInterval = TimeSpan.FromSeconds(15),
                ClientTimeoutInterval = TimeSpan.FromHours(1),
                MaximumQueuedMessages = maximumQueued,
            };
            Hub = new HubConnectionContext(connection, options, NullLoggerFactory.Instance, Time) { Protocol = new JsonHubProtocol() };
            Hub.HandshakeCompleted();
        }

        public FakeTimeProvider Time { get; } = new();

        public HubConnectionContext Hub { get; }

        public bool TryReadAny()
        {
            if (!_toClient.Reader.TryRead(out var result))
            {
                return false;
            }

            var any = !result.Buffer.IsEmpty;
            _toClient.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            return any;
        }

        /// <summary>Reads (as the client) until <paramref name="count"/> messages arrived; returns their targets.</summary>
        public async Task<string[]> ReadTargetsAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (_received.ToString().Count(ch => ch == '\u001e') < count)
            {
                var result = await _toClient.Reader.ReadAsync(timeout.Token);
                _received.Append(Encoding.UTF8.GetString(result.Buffer.ToArray()));
                _toClient.Reader.AdvanceTo(result.Buffer.End);
            }

            var messages = _received.ToString().Split('\u001e', StringSplitOptions.RemoveEmptyEntries);
            _received.Clear();
            return messages.Select(m => System.Text.Json.JsonDocument.Parse(m).RootElement.GetProperty("target").GetString()!).ToArray();
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
