using System.Buffers;
using System.Text;

namespace LoadTest.Client;

/// <summary>Pre-built hub frames, written by hand (JSON text, or MessagePack with a VarInt length prefix).</summary>
internal static class Frames
{
    /// <summary>
    /// Reads the handshake response into <paramref name="buffer"/> (which holds <paramref name="end"/> bytes already);
    /// returns how many bytes it holds and where what follows the response starts. Throws when the server closes or
    /// refuses.
    /// </summary>
    public static async Task<(int End, int Next)> ReadHandshakeAsync(System.Net.WebSockets.WebSocket ws, byte[] buffer, int end, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer.AsMemory(end), cancellationToken);
            if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("Closed during the handshake.");
            }

            end += result.Count;
            var rs = buffer.AsSpan(0, end).IndexOf(RecordSeparator);
            if (rs < 0)
            {
                continue;
            }

            if (buffer.AsSpan(0, rs).IndexOf("\"error\""u8) >= 0)
            {
                throw new InvalidOperationException("Handshake refused: " + System.Text.Encoding.UTF8.GetString(buffer, 0, rs));
            }

            return (end, rs + 1);
        }
    }

    public const byte RecordSeparator = 0x1E;

    /// <summary>Marks the timestamp inside a payload: "@@" then 19 decimal digits (Stopwatch ticks).</summary>
    public static ReadOnlySpan<byte> Marker => "@@"u8;

    public const int TimestampDigits = 19;

    /// <summary>
    /// A placeholder invocation ID: 10 characters replaced by a zero-padded counter before each send, so that IDs
    /// are never reused on a connection (the hub spec calls reuse a protocol error).
    /// </summary>
    public const string IdSlot = "IIIIIIIIII";

    public static int FindIdSlot(ReadOnlySpan<byte> frame, int from = 0)
    {
        var at = frame[from..].IndexOf("IIIIIIIIII"u8);
        return at < 0 ? -1 : from + at;
    }

    public static void PatchId(Span<byte> frame, int slot, long id)
    {
        var digits = frame.Slice(slot, 10);
        for (var i = 9; i >= 0; i--)
        {
            digits[i] = (byte)('0' + (id % 10));
            id /= 10;
        }
    }

    public static byte[] Handshake(string protocol) => Encoding.UTF8.GetBytes($"{{\"protocol\":\"{protocol}\",\"version\":1}}\u001e");

    /// <summary>A payload of <paramref name="bytes"/> ASCII characters, optionally starting with a timestamp slot.</summary>
    public static string Payload(int bytes, bool timestamped)
    {
        var prefix = timestamped ? "@@" + new string('0', TimestampDigits) : "";
        return prefix + new string('x', Math.Max(0, bytes - prefix.Length));
    }

    /// <summary>An Invocation frame. <paramref name="invocationId"/> null = non-blocking.</summary>
    public static byte[] Invocation(bool binary, string? invocationId, string target, params string[] args)
    {
        if (!binary)
        {
            var sb = new StringBuilder("{\"type\":1,");
            if (invocationId is not null)
            {
                sb.Append("\"invocationId\":\"").Append(invocationId).Append("\",");
            }

            sb.Append("\"target\":\"").Append(target).Append("\",\"arguments\":[");
            for (var i = 0; i < args.Length; i++)
            {
                sb.Append(i == 0 ? "\"" : ",\"").Append(args[i]).Append('"');
            }

            sb.Append("]}\u001e");
            return Encoding.UTF8.GetBytes(sb.ToString());
        }

        var body = new ArrayBufferWriter<byte>();
        body.Write([(byte)0x96, (byte)0x01, (byte)0x80]);
        if (invocationId is null)
        {
            body.Write([(byte)0xC0]);
        }
        else
        {
            WriteString(body, invocationId);
        }

        WriteString(body, target);
        WriteArrayHeader(body, args.Length);
        foreach (var arg in args)
        {
            WriteString(body, arg);
        }

        body.Write([(byte)0x90]);
        var frame = new ArrayBufferWriter<byte>();
        WriteVarInt(frame, body.WrittenCount);
        frame.Write(body.WrittenSpan);
        return frame.WrittenSpan.ToArray();
    }

    public static byte[] Ping(bool binary) => binary ? [0x02, 0x91, 0x06] : "{\"type\":6}\u001e"u8.ToArray();

    private static void WriteString(ArrayBufferWriter<byte> w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        if (bytes.Length < 32)
        {
            w.Write([(byte)(0xA0 | bytes.Length)]);
        }
        else if (bytes.Length < 256)
        {
            w.Write([(byte)0xD9, (byte)bytes.Length]);
        }
        else
        {
            w.Write([(byte)0xDA, (byte)(bytes.Length >> 8), (byte)bytes.Length]);
        }

        w.Write(bytes);
    }

    private static void WriteArrayHeader(ArrayBufferWriter<byte> w, int count)
    {
        if (count >= 16)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        w.Write([(byte)(0x90 | count)]);
    }

    private static void WriteVarInt(ArrayBufferWriter<byte> w, int value)
    {
        var v = (uint)value;
        while (v >= 0x80)
        {
            w.Write([(byte)(v | 0x80)]);
            v >>= 7;
        }

        w.Write([(byte)v]);
    }

    /// <summary>Writes the current Stopwatch timestamp into the slot after the marker at <paramref name="slot"/>.</summary>
    public static void Stamp(Span<byte> frame, int slot, long timestamp)
    {
        var digits = frame.Slice(slot + 2, TimestampDigits);
        for (var i = TimestampDigits - 1; i >= 0; i--)
        {
            digits[i] = (byte)('0' + (timestamp % 10));
            timestamp /= 10;
        }
    }

    /// <summary>Reads the timestamp after the marker, or -1 when the frame has none.</summary>
    public static long ReadStamp(ReadOnlySpan<byte> frame)
    {
        var at = frame.IndexOf(Marker);
        if (at < 0 || at + 2 + TimestampDigits > frame.Length)
        {
            return -1;
        }

        long value = 0;
        foreach (var b in frame.Slice(at + 2, TimestampDigits))
        {
            value = (value * 10) + (b - '0');
        }

        return value;
    }

    /// <summary>The hub message type of a frame body: only the bytes needed.</summary>
    public static int MessageType(bool binary, ReadOnlySpan<byte> frame)
    {
        if (binary)
        {
            // fixarray header, then the type as a positive fixint.
            return frame.Length >= 2 ? frame[1] : -1;
        }

        var at = frame.IndexOf("\"type\":"u8);
        return at >= 0 && at + 7 < frame.Length ? frame[at + 7] - '0' : -1;
    }
}
