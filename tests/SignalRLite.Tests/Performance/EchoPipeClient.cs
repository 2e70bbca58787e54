using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace SignalRLite.Tests.Performance;

/// <summary>
/// An allocation-free client end of an in-memory connection: sends a pre-built Invocation frame whose 10-digit
/// invocation ID is patched in place and reads until the Completion, so allocations measured around it are the server's.
/// </summary>
internal sealed class EchoPipeClient
{
    private readonly Pipe _toServer = new(new PipeOptions(useSynchronizationContext: false, pauseWriterThreshold: 0));
    private readonly Pipe _toClient;
    private readonly byte[] _frame;
    private readonly int _idAt;
    private readonly bool _binary;
    private long _nextId;

    /// <param name="binary">MessagePack instead of JSON.</param>
    /// <param name="inlineReader">The client's reads continue on the server's writing thread (no thread-pool work item per write).</param>
    public EchoPipeClient(bool binary, bool inlineReader = false)
    {
        _binary = binary;
        _toClient = new(new PipeOptions(readerScheduler: inlineReader ? PipeScheduler.Inline : PipeScheduler.ThreadPool, useSynchronizationContext: false, pauseWriterThreshold: 0));
        _frame = binary
            ? [0x37, 0x96, 0x01, 0x80, 0xAA, .. "0000000000"u8, 0xA4, (byte)'E', (byte)'c', (byte)'h', (byte)'o', 0x91, 0xD9, 0x20, .. Encoding.ASCII.GetBytes(new string('x', 32)), 0x90]
            : Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"0000000000\",\"target\":\"Echo\",\"arguments\":[\"" + new string('x', 32) + "\"]}\u001e");
        _idAt = _frame.AsSpan().IndexOf("0000000000"u8);
        Context = new DefaultConnectionContext(Guid.NewGuid().ToString("N"), new Duplex(_toServer.Reader, _toClient.Writer), new Duplex(_toClient.Reader, _toServer.Writer));
        Context.Features.Set<ITransferFormatFeature>(new TransferFormats());
    }

    public DefaultConnectionContext Context { get; }

    public async Task HandshakeAsync()
    {
        await _toServer.Writer.WriteAsync(Encoding.UTF8.GetBytes($"{{\"protocol\":\"{(_binary ? "messagepack" : "json")}\",\"version\":1}}\u001e"));
        while (true)
        {
            var result = await _toClient.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)0x1E) is { } end)
            {
                Assert.Equal("{}", Encoding.UTF8.GetString(buffer.Slice(0, end).ToArray()));
                _toClient.Reader.AdvanceTo(buffer.GetPosition(1, end));
                return;
            }

            Assert.False(result.IsCompleted, "The server closed the connection during the handshake.");
            _toClient.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public async Task RoundTripsAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var id = ++_nextId;
            for (var d = 9; d >= 0; d--)
            {
                _frame[_idAt + d] = (byte)('0' + (id % 10));
                id /= 10;
            }

            await _toServer.Writer.WriteAsync(_frame);

            // Inline (not a helper method) so that the loop's only state machine is this one.
            var completed = false;
            while (!completed)
            {
                var result = await _toClient.Reader.ReadAsync();
                var buffer = result.Buffer;
                while (TryFrame(ref buffer, out var type))
                {
                    completed |= type == 3; // anything else is a ping
                }

                if (!completed && result.IsCompleted)
                {
                    throw new InvalidOperationException("The server closed the connection.");
                }

                _toClient.Reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    public void Close() => _toServer.Writer.Complete();

    /// <summary>The number of whole messages received by <see cref="DrainAsync"/>.</summary>
    public long Received => Volatile.Read(ref _received);

    private long _received;

    /// <summary>Reads and counts messages until the server closes the connection.</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            var result = await _toClient.Reader.ReadAsync();
            var buffer = result.Buffer;
            while (TryFrame(ref buffer, out _))
            {
                Interlocked.Increment(ref _received);
            }

            _toClient.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private bool TryFrame(ref ReadOnlySequence<byte> buffer, out int type)
    {
        type = -1;
        var reader = new SequenceReader<byte>(buffer);
        if (!_binary)
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> frame, (byte)0x1E))
            {
                return false;
            }

            var bytes = frame.IsSingleSegment ? frame.FirstSpan : frame.ToArray();
            var at = bytes.IndexOf("\"type\":"u8);
            type = at >= 0 && at + 7 < bytes.Length ? bytes[at + 7] - '0' : -1;
            buffer = buffer.Slice(reader.Position);
            return true;
        }

        var length = 0;
        var shift = 0;
        byte b;
        do
        {
            if (!reader.TryRead(out b))
            {
                return false;
            }

            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        var header = reader.Consumed;
        if (reader.Remaining < length || length < 2)
        {
            return false;
        }

        type = buffer.Slice(header, length).Slice(1, 1).FirstSpan[0];
        buffer = buffer.Slice(header + length);
        return true;
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class TransferFormats : ITransferFormatFeature
    {
        public TransferFormat SupportedFormats => TransferFormat.Text | TransferFormat.Binary;

        public TransferFormat ActiveFormat { get; set; } = TransferFormat.Text;
    }
}
