using System.Text;
using System.Text.Json;
using MessagePack;

namespace SignalRLite.Tests.StatefulReconnect;

/// <summary>
/// Decodes the bytes one direction of a proxied connection carried (HTTP headers, WebSocket frames, then SignalR messages
/// in JSON or MessagePack) into a short summary, for the message of a failing test.
/// </summary>
internal static class WireTranscript
{
    public static string Describe(byte[] raw)
    {
        try
        {
            var start = IndexOf(raw, "\r\n\r\n"u8);
            if (start < 0)
            {
                return $"{raw.Length} B, no HTTP headers";
            }

            var payload = Unframe(raw.AsSpan(start + 4));
            if (payload.Count == 0)
            {
                return "no WebSocket payload";
            }

            var bytes = payload.ToArray();
            var messages = new List<string>();
            var offset = 0;
            if (bytes[0] == (byte)'{')
            {
                var end = Array.IndexOf(bytes, (byte)0x1e);
                messages.Add("handshake " + Encoding.UTF8.GetString(bytes, 0, end));
                offset = end + 1;
            }

            var json = offset < bytes.Length && bytes[offset] == (byte)'{';
            while (offset < bytes.Length)
            {
                if (json)
                {
                    var end = Array.IndexOf(bytes, (byte)0x1e, offset);
                    if (end < 0)
                    {
                        messages.Add($"partial({bytes.Length - offset} B)");
                        break;
                    }

                    using var doc = JsonDocument.Parse(bytes.AsMemory(offset, end - offset));
                    messages.Add(SummariseJson(doc.RootElement));
                    offset = end + 1;
                }
                else
                {
                    var length = 0;
                    var shift = 0;
                    var i = offset;
                    while (true)
                    {
                        var b = bytes[i++];
                        length |= (b & 0x7f) << shift;
                        shift += 7;
                        if ((b & 0x80) == 0)
                        {
                            break;
                        }
                    }

                    if (i + length > bytes.Length)
                    {
                        messages.Add($"partial({bytes.Length - offset} B)");
                        break;
                    }

                    messages.Add(SummariseMessagePack(bytes.AsMemory(i, length)));
                    offset = i + length;
                }
            }

            return Compress(messages);
        }
        catch (Exception ex)
        {
            return $"undecodable ({ex.GetType().Name}: {ex.Message})";
        }
    }

    // Runs of similar messages (stream items, pings) become one entry with a count.
    private static string Compress(List<string> messages)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < messages.Count;)
        {
            var kind = messages[i].Split(' ')[0];
            var j = i;
            while (j < messages.Count && messages[j].Split(' ')[0] == kind && (kind is "item" or "ping"))
            {
                j++;
            }

            if (j - i > 2)
            {
                sb.Append($"[{messages[i]} .. {messages[j - 1]} ({j - i}x)] ");
                i = j;
            }
            else
            {
                sb.Append('[').Append(messages[i]).Append("] ");
                i++;
            }
        }

        return $"{messages.Count} messages: {sb}";
    }

    private static string SummariseJson(JsonElement e)
    {
        var type = e.TryGetProperty("type", out var t) ? t.GetInt32() : 0;
        string Prop(string name) => e.TryGetProperty(name, out var p) ? p.ToString() : "";
        return type switch
        {
            1 => $"invocation {Prop("invocationId")} {Prop("target")} {Prop("arguments")}",
            2 => $"item {Prop("invocationId")}:{Prop("item")}",
            3 => $"completion {Prop("invocationId")} {Prop("result")}{Prop("error")}",
            4 => $"streaminvocation {Prop("invocationId")} {Prop("target")}",
            5 => $"cancel {Prop("invocationId")}",
            6 => "ping",
            7 => $"close {Prop("error")}",
            8 => $"ack {Prop("sequenceId")}",
            9 => $"sequence {Prop("sequenceId")}",
            _ => $"type{type}",
        };
    }

    private static string SummariseMessagePack(ReadOnlyMemory<byte> message)
    {
        var reader = new MessagePackReader(message);
        var count = reader.ReadArrayHeader();
        var type = reader.ReadInt32();
        var parts = new List<string>();
        for (var k = 1; k < count; k++)
        {
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Integer:
                    parts.Add(reader.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case MessagePackType.String:
                    parts.Add(reader.ReadString() ?? "");
                    break;
                case MessagePackType.Nil:
                    reader.ReadNil();
                    parts.Add("nil");
                    break;
                default:
                    reader.Skip();
                    parts.Add("_");
                    break;
            }
        }

        var rest = string.Join(" ", parts);
        return type switch
        {
            1 => "invocation " + rest,
            2 => "item " + rest,
            3 => "completion " + rest,
            4 => "streaminvocation " + rest,
            5 => "cancel " + rest,
            6 => "ping",
            7 => "close " + rest,
            8 => "ack " + rest,
            9 => "sequence " + rest,
            _ => $"type{type}",
        };
    }

    private static List<byte> Unframe(ReadOnlySpan<byte> data)
    {
        var payload = new List<byte>();
        var i = 0;
        while (i + 2 <= data.Length)
        {
            var opcode = data[i] & 0x0f;
            var masked = (data[i + 1] & 0x80) != 0;
            long length = data[i + 1] & 0x7f;
            var p = i + 2;
            if (length == 126)
            {
                length = (data[p] << 8) | data[p + 1];
                p += 2;
            }
            else if (length == 127)
            {
                length = 0;
                for (var k = 0; k < 8; k++)
                {
                    length = (length << 8) | data[p + k];
                }

                p += 8;
            }

            var mask = masked ? data.Slice(p, 4).ToArray() : null;
            p += masked ? 4 : 0;
            var available = (int)Math.Min(length, data.Length - p);
            if (opcode < 8)
            {
                for (var k = 0; k < available; k++)
                {
                    payload.Add(mask is null ? data[p + k] : (byte)(data[p + k] ^ mask[k % 4]));
                }
            }

            i = p + available;
        }

        return payload;
    }

    private static int IndexOf(byte[] data, ReadOnlySpan<byte> value) => data.AsSpan().IndexOf(value);
}
