using System.Net.WebSockets;
using System.Text;

namespace LoadTest.Client;

/// <summary>What a scenario does with the frames a connection receives.</summary>
internal interface IFrameSink
{
    /// <summary>Called for each complete hub frame (body without framing). Returns true when it counts as a response.</summary>
    bool OnFrame(Conn conn, ReadOnlySpan<byte> frame);

    /// <summary>Called after a receive that completed <paramref name="responses"/> responses (for closed loops).</summary>
    ValueTask AfterResponsesAsync(Conn conn, int responses);
}

/// <summary>
/// One client connection: a ClientWebSocket that skipped negotiation, the handshake, then one receive loop that
/// splits the byte stream into frames (record separator or VarInt length) without parsing them.
/// </summary>
internal sealed class Conn
{
    private readonly ClientWebSocket _ws;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private Conn(ClientWebSocket ws, bool binary, int index)
    {
        _ws = ws;
        Binary = binary;
        Index = index;
    }

    public bool Binary { get; }

    public int Index { get; }

    public IFrameSink? Sink { get; set; }

    /// <summary>Per-connection counters and send timestamps (ring) for the scenarios.</summary>
    public long Sent;
    public long Received;
    public long[] SendTimes = new long[64];
    public long NextId;
    public byte[]? FrameRing;
    public int[]? Offsets;
    public int[]? IdSlots;

    public Task? ReceiveLoop { get; private set; }

    public static async Task<Conn> ConnectAsync(Uri uri, bool binary, int index, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        var ws = new ClientWebSocket();
        ws.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            await ws.ConnectAsync(uri, invoker, cancellationToken);
            var conn = new Conn(ws, binary, index);
            await conn.HandshakeAsync(binary ? "messagepack" : "json", cancellationToken);
            return conn;
        }
        catch
        {
            ws.Abort();
            ws.Dispose();
            throw;
        }
    }

    private async Task HandshakeAsync(string protocol, CancellationToken cancellationToken)
    {
        await _ws.SendAsync(Frames.Handshake(protocol), Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, cancellationToken);
        (_end, _start) = await Frames.ReadHandshakeAsync(_ws, _buffer, _end, cancellationToken);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> frames) =>
        _ws.SendAsync(frames, Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, CancellationToken.None);

    public void StartReceiving() => ReceiveLoop = Task.Run(ReceiveLoopAsync);

    public void Abort()
    {
        _ws.Abort();
        _ws.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            // Frames left over from the handshake read.
            var pending = ProcessFrames();
            if (pending > 0 && Sink is { } first)
            {
                await first.AfterResponsesAsync(this, pending);
            }

            while (true)
            {
                if (_end == _buffer.Length)
                {
                    MakeRoom(_buffer.Length);
                }

                var result = await _ws.ReceiveAsync(_buffer.AsMemory(_end), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                _end += result.Count;
                var responses = ProcessFrames();
                if (responses > 0 && Sink is { } sink)
                {
                    await sink.AfterResponsesAsync(this, responses);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
        }
    }

    private void MakeRoom(int needed)
    {
        var live = _end - _start;
        if (_start > 0 && live + 1024 <= _buffer.Length && needed <= _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, live);
        }
        else
        {
            var bigger = new byte[Math.Max(_buffer.Length * 2, needed + 1024)];
            Buffer.BlockCopy(_buffer, _start, bigger, 0, live);
            _buffer = bigger;
        }

        _start = 0;
        _end = live;
    }

    private int ProcessFrames()
    {
        var sink = Sink;
        var responses = 0;
        while (_start < _end)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            ReadOnlySpan<byte> frame;
            int consumed;
            if (!Binary)
            {
                var rs = span.IndexOf(Frames.RecordSeparator);
                if (rs < 0)
                {
                    break;
                }

                frame = span[..rs];
                consumed = rs + 1;
            }
            else
            {
                // VarInt length prefix.
                var length = 0;
                var shift = 0;
                var header = 0;
                var complete = false;
                while (header < span.Length && header < 5)
                {
                    var b = span[header++];
                    length |= (b & 0x7F) << shift;
                    shift += 7;
                    if ((b & 0x80) == 0)
                    {
                        complete = true;
                        break;
                    }
                }

                if (!complete)
                {
                    break;
                }

                if (header + length > span.Length)
                {
                    if (header + length > _buffer.Length)
                    {
                        MakeRoom(header + length);
                    }

                    break;
                }

                frame = span.Slice(header, length);
                consumed = header + length;
            }

            if (sink is not null && sink.OnFrame(this, frame))
            {
                responses++;
            }

            _start += consumed;
        }

        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }

        return responses;
    }
}
