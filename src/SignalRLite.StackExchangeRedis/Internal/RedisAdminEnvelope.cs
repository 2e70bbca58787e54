using System.Buffers;
using System.Text;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>What an admin command does on each server (see <see cref="IHubAdmin{THub}"/>).</summary>
internal enum RedisAdminOperation : byte
{
    CloseConnection = 1,
    CloseUser = 2,
    CloseGroup = 3,
    RemoveUserFromGroup = 4,
    RemoveConnectionFromAllGroups = 5,
}

/// <summary>One admin command: the operation, its target (connection, user or group), the group of a removal, the Close.</summary>
internal sealed record RedisAdminCommand(RedisAdminOperation Operation, string Target, string? Group = null, string? Reason = null, bool AllowReconnect = false);

/// <summary>
/// The admin envelopes (the layout of <see cref="RedisEnvelope"/>: a version byte, a kind byte, LEB128 lengths and
/// UTF-8). A command: request id, reply server, operation, target, group (empty when none), a byte telling whether a
/// reason follows, the reason, allowReconnect. A reply: request id, count.
/// </summary>
internal static class RedisAdminEnvelope
{
    public static byte[] WriteCommand(long requestId, string replyServer, RedisAdminCommand command)
    {
        var w = new ArrayBufferWriter<byte>(64);
        Header(w, RedisEnvelopeKind.AdminCommand);
        VarInt(w, requestId);
        String(w, replyServer);
        Byte(w, (byte)command.Operation);
        String(w, command.Target);
        String(w, command.Group ?? "");
        Byte(w, command.Reason is null ? (byte)0 : (byte)1);
        String(w, command.Reason ?? "");
        Byte(w, command.AllowReconnect ? (byte)1 : (byte)0);
        return w.WrittenSpan.ToArray();
    }

    public static byte[] WriteReply(long requestId, int count)
    {
        var w = new ArrayBufferWriter<byte>(16);
        Header(w, RedisEnvelopeKind.AdminReply);
        VarInt(w, requestId);
        VarInt(w, count);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Reads a command; throws <see cref="InvalidDataException"/> on anything else or a malformed one.</summary>
    public static RedisAdminCommand ReadCommand(ReadOnlyMemory<byte> payload, out long requestId, out string replyServer)
    {
        var reader = new RedisEnvelope.Reader(payload);
        if (RedisEnvelope.ReadKind(ref reader) != RedisEnvelopeKind.AdminCommand)
        {
            throw new InvalidDataException("Not an admin command.");
        }

        requestId = reader.VarInt();
        replyServer = reader.String();
        var operation = (RedisAdminOperation)reader.Byte();
        if (!Enum.IsDefined(operation))
        {
            throw new InvalidDataException($"Unknown admin operation {(byte)operation}.");
        }

        var target = reader.String();
        var group = reader.String();
        var hasReason = reader.Byte() == 1;
        var reason = reader.String();
        var allowReconnect = reader.Byte() == 1;
        return new RedisAdminCommand(operation, target, group.Length == 0 ? null : group, hasReason ? reason : null, allowReconnect);
    }

    /// <summary>Reads a reply; throws <see cref="InvalidDataException"/> on anything else.</summary>
    public static (long RequestId, int Count) ReadReply(ReadOnlyMemory<byte> payload)
    {
        var reader = new RedisEnvelope.Reader(payload);
        if (RedisEnvelope.ReadKind(ref reader) != RedisEnvelopeKind.AdminReply)
        {
            throw new InvalidDataException("Not an admin reply.");
        }

        var requestId = reader.VarInt();
        var count = reader.VarInt();
        return count is < 0 or > int.MaxValue ? throw new InvalidDataException("Bad admin reply count.") : (requestId, (int)count);
    }

    private static void Header(ArrayBufferWriter<byte> w, RedisEnvelopeKind kind)
    {
        Byte(w, RedisEnvelope.Version);
        Byte(w, (byte)kind);
    }

    private static void Byte(ArrayBufferWriter<byte> w, byte value)
    {
        w.GetSpan(1)[0] = value;
        w.Advance(1);
    }

    private static void VarInt(ArrayBufferWriter<byte> w, long value)
    {
        var v = (ulong)value;
        while (v >= 0x80)
        {
            Byte(w, (byte)(v | 0x80));
            v >>= 7;
        }

        Byte(w, (byte)v);
    }

    private static void String(ArrayBufferWriter<byte> w, string value)
    {
        var n = Encoding.UTF8.GetByteCount(value);
        VarInt(w, n);
        Encoding.UTF8.GetBytes(value, w.GetSpan(n));
        w.Advance(n);
    }
}
