using System.Text;
using SignalRLite.Protocol;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>The kinds of Redis payloads; the second byte of every envelope.</summary>
internal enum RedisEnvelopeKind : byte
{
    /// <summary>A hub message for the channel's targets: exclusions, then one pre-serialised frame per protocol.</summary>
    Invocation = 1,

    /// <summary>Add or remove a connection to or from a group, acknowledged to the sending server.</summary>
    GroupCommand = 2,

    /// <summary>The acknowledgement of a group command.</summary>
    Ack = 3,

    /// <summary>A client-result invocation for one connection: invocation id, reply server, frames.</summary>
    ClientInvocation = 4,

    /// <summary>The client's Completion, in the connection's protocol, back to the invoking server.</summary>
    ClientResult = 5,

    /// <summary>A client result that failed on the connection's server (the connection is gone).</summary>
    ClientResultError = 6,

    /// <summary>An admin command to every server of the hub (RedisAdminEnvelope), answered with an <see cref="AdminReply"/>.</summary>
    AdminCommand = 7,

    /// <summary>How many local connections (or groups) an admin command reached on one server.</summary>
    AdminReply = 8,
}

/// <summary>
/// Encodes and decodes the backplane's Redis payloads (see docs/scale-out.md): a version byte, a kind byte, then fields.
/// Strings are a LEB128 length and UTF-8; byte blocks are a LEB128 length and the bytes. Decoding slices the received
/// buffer: frames are not copied.
/// </summary>
/// <remarks>
/// Invocation and ClientInvocation envelopes may end with a trailer after their frames: fields of a tag byte and a byte
/// block, <see cref="TraceParentTag"/> and <see cref="TraceStateTag"/> so far. A reader skips tags it does not know, and
/// an envelope without a trailer (every envelope of an older server) simply ends after its frames; older readers never
/// looked past the frames. So the trailer needs no new version byte: old and new servers read each other's envelopes.
/// </remarks>
internal static class RedisEnvelope
{
    public const byte Version = 1;

    /// <summary>Trailer tag of the sender's W3C <c>traceparent</c>.</summary>
    public const byte TraceParentTag = 1;

    /// <summary>Trailer tag of the sender's W3C <c>tracestate</c> (only when not empty).</summary>
    public const byte TraceStateTag = 2;

    /// <summary>Writes an Invocation envelope (<paramref name="invocationId"/> null) or a ClientInvocation envelope.</summary>
    public static byte[] WriteInvocation(IReadOnlyList<IHubProtocol> protocols, HubMessage message, IReadOnlyList<string>? excluded, string? invocationId = null, string? replyServer = null,
        RedisTraceContext trace = default)
    {
        // Each protocol serialises the message once; the envelope is then sized exactly.
        var frames = new ReadOnlyMemory<byte>[protocols.Count];
        var size = 2;
        if (invocationId is null)
        {
            size += VarIntSize(excluded?.Count ?? 0);
            if (excluded is not null)
            {
                foreach (var id in excluded)
                {
                    size += StringSize(id);
                }
            }
        }
        else
        {
            size += StringSize(invocationId) + StringSize(replyServer!);
        }

        size += VarIntSize(protocols.Count);
        for (var i = 0; i < protocols.Count; i++)
        {
            frames[i] = protocols[i].GetMessageBytes(message);
            size += StringSize(protocols[i].Name) + VarIntSize(frames[i].Length) + frames[i].Length;
        }

        var traceState = string.IsNullOrEmpty(trace.TraceState) ? null : trace.TraceState;
        if (trace.TraceParent is not null)
        {
            size += 1 + StringSize(trace.TraceParent) + (traceState is null ? 0 : 1 + StringSize(traceState));
        }

        var buffer = new byte[size];
        var w = new Writer(buffer);
        w.Byte(Version);
        if (invocationId is null)
        {
            w.Byte((byte)RedisEnvelopeKind.Invocation);
            w.VarInt(excluded?.Count ?? 0);
            if (excluded is not null)
            {
                foreach (var id in excluded)
                {
                    w.String(id);
                }
            }
        }
        else
        {
            w.Byte((byte)RedisEnvelopeKind.ClientInvocation);
            w.String(invocationId);
            w.String(replyServer!);
        }

        w.VarInt(protocols.Count);
        for (var i = 0; i < protocols.Count; i++)
        {
            w.String(protocols[i].Name);
            w.Bytes(frames[i].Span);
        }

        if (trace.TraceParent is not null)
        {
            w.Byte(TraceParentTag);
            w.String(trace.TraceParent);
            if (traceState is not null)
            {
                w.Byte(TraceStateTag);
                w.String(traceState);
            }
        }

        return buffer;
    }

    public static byte[] WriteGroupCommand(long ackId, string replyServer, bool add, string groupName, string connectionId)
    {
        var buffer = new byte[2 + VarIntSize(ackId) + StringSize(replyServer) + 1 + StringSize(groupName) + StringSize(connectionId)];
        var w = new Writer(buffer);
        w.Byte(Version);
        w.Byte((byte)RedisEnvelopeKind.GroupCommand);
        w.VarInt(ackId);
        w.String(replyServer);
        w.Byte(add ? (byte)1 : (byte)0);
        w.String(groupName);
        w.String(connectionId);
        return buffer;
    }

    public static byte[] WriteAck(long ackId)
    {
        var buffer = new byte[2 + VarIntSize(ackId)];
        var w = new Writer(buffer);
        w.Byte(Version);
        w.Byte((byte)RedisEnvelopeKind.Ack);
        w.VarInt(ackId);
        return buffer;
    }

    public static byte[] WriteClientResult(string invocationId, string protocolName, ReadOnlySpan<byte> completionFrame)
    {
        var buffer = new byte[2 + StringSize(invocationId) + StringSize(protocolName) + VarIntSize(completionFrame.Length) + completionFrame.Length];
        var w = new Writer(buffer);
        w.Byte(Version);
        w.Byte((byte)RedisEnvelopeKind.ClientResult);
        w.String(invocationId);
        w.String(protocolName);
        w.Bytes(completionFrame);
        return buffer;
    }

    public static byte[] WriteClientResultError(string invocationId, string error)
    {
        var buffer = new byte[2 + StringSize(invocationId) + StringSize(error)];
        var w = new Writer(buffer);
        w.Byte(Version);
        w.Byte((byte)RedisEnvelopeKind.ClientResultError);
        w.String(invocationId);
        w.String(error);
        return buffer;
    }

    /// <summary>Reads the header; throws <see cref="InvalidDataException"/> on an unknown version.</summary>
    public static RedisEnvelopeKind ReadKind(ref Reader reader)
    {
        var version = reader.Byte();
        if (version != Version)
        {
            throw new InvalidDataException($"Unsupported backplane envelope version {version}.");
        }

        return (RedisEnvelopeKind)reader.Byte();
    }

    /// <summary>
    /// Reads the protocol frames that end Invocation and ClientInvocation envelopes. Names of <paramref name="knownNames"/>
    /// are matched on their bytes and not allocated again.
    /// </summary>
    public static SerializedHubMessage ReadFrames(ref Reader reader, ProtocolNames? knownNames = null)
    {
        var count = (int)reader.VarInt();
        if (count < 0 || count > 64)
        {
            throw new InvalidDataException("Too many protocols in backplane envelope.");
        }

        var messages = new SerializedMessage[count];
        for (var i = 0; i < count; i++)
        {
            var nameBytes = reader.Bytes().Span;
            var name = knownNames?.Find(nameBytes) ?? Encoding.UTF8.GetString(nameBytes);
            messages[i] = new SerializedMessage(name, reader.Bytes());
        }

        return new SerializedHubMessage(messages);
    }

    /// <summary>
    /// Reads the optional trailer after the frames (see the remarks): the sender's trace context, if any. A truncated
    /// trailer ends the reading (what was complete is kept): tracing never costs a message its delivery.
    /// </summary>
    public static RedisTraceContext ReadTraceContext(ref Reader reader)
    {
        string? traceParent = null;
        string? traceState = null;
        try
        {
            while (!reader.End)
            {
                var tag = reader.Byte();
                var value = reader.Bytes();
                switch (tag)
                {
                    case TraceParentTag:
                        traceParent = Encoding.UTF8.GetString(value.Span);
                        break;
                    case TraceStateTag:
                        traceState = Encoding.UTF8.GetString(value.Span);
                        break;
                }
            }
        }
        catch (InvalidDataException)
        {
            // Truncated: keep what was read.
        }

        return new RedisTraceContext(traceParent, traceState);
    }

    /// <summary>The registered protocol names with their UTF-8 bytes.</summary>
    public sealed class ProtocolNames(IEnumerable<string> names)
    {
        private readonly (byte[] Utf8, string Name)[] _names = [.. names.Select(n => (Encoding.UTF8.GetBytes(n), n))];

        public string? Find(ReadOnlySpan<byte> utf8)
        {
            foreach (var (bytes, name) in _names)
            {
                if (utf8.SequenceEqual(bytes))
                {
                    return name;
                }
            }

            return null;
        }
    }

    private static int StringSize(string value)
    {
        var n = Encoding.UTF8.GetByteCount(value);
        return VarIntSize(n) + n;
    }

    private static int VarIntSize(long value)
    {
        var size = 1;
        var v = (ulong)value;
        while (v >= 0x80)
        {
            v >>= 7;
            size++;
        }

        return size;
    }

    private ref struct Writer
    {
        private readonly Span<byte> _buffer;
        private int _position;

        public Writer(Span<byte> buffer)
        {
            _buffer = buffer;
            _position = 0;
        }

        public void Byte(byte value) => _buffer[_position++] = value;

        public void VarInt(long value)
        {
            var v = (ulong)value;
            while (v >= 0x80)
            {
                _buffer[_position++] = (byte)(v | 0x80);
                v >>= 7;
            }

            _buffer[_position++] = (byte)v;
        }

        public void String(string value)
        {
            var n = Encoding.UTF8.GetByteCount(value);
            VarInt(n);
            _position += Encoding.UTF8.GetBytes(value, _buffer[_position..]);
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            VarInt(value.Length);
            value.CopyTo(_buffer[_position..]);
            _position += value.Length;
        }
    }

    /// <summary>Reads an envelope; every read checks bounds and throws <see cref="InvalidDataException"/> past the end.</summary>
    public struct Reader
    {
        private readonly ReadOnlyMemory<byte> _buffer;
        private int _position;

        public Reader(ReadOnlyMemory<byte> buffer)
        {
            _buffer = buffer;
            _position = 0;
        }

        /// <summary>Whether every byte has been read.</summary>
        public readonly bool End => _position >= _buffer.Length;

        public byte Byte()
        {
            if (_position >= _buffer.Length)
            {
                throw Truncated();
            }

            return _buffer.Span[_position++];
        }

        public long VarInt()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Byte();
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result > long.MaxValue ? throw Truncated() : (long)result;
                }
            }

            throw new InvalidDataException("Malformed length in backplane envelope.");
        }

        public ReadOnlyMemory<byte> Bytes()
        {
            var length = VarInt();
            if (length > _buffer.Length - _position)
            {
                throw Truncated();
            }

            var slice = _buffer.Slice(_position, (int)length);
            _position += (int)length;
            return slice;
        }

        public string String() => Encoding.UTF8.GetString(Bytes().Span);

        private static InvalidDataException Truncated() => new("Truncated backplane envelope.");
    }
}
