using System.Buffers;

namespace SignalRLite.Internal.Protocol;

/// <summary>
/// Splits a byte stream of a binary hub protocol into message bodies using the VarInt length
/// prefix of the MessagePack encoding (HubProtocol.md, "MessagePack (MsgPack) encoding").
/// </summary>
internal static class BinaryMessageParser
{
    /// <summary>
    /// Reads the length prefix at the start of <paramref name="buffer"/> without consuming anything.
    /// Returns false when the buffer ends before the prefix does. Lets a caller compare the body
    /// length with a size limit before the body has arrived.
    /// </summary>
    /// <exception cref="InvalidDataException">The prefix is longer than 5 bytes or its value exceeds 0x7FFFFFFF.</exception>
    public static bool TryReadLengthPrefix(in ReadOnlySequence<byte> buffer, out int bodyLength, out int prefixLength)
    {
        bodyLength = 0;
        prefixLength = 0;
        if (buffer.IsEmpty)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[BinaryMessageFormatter.MaxLengthPrefixSize];
        var available = (int)Math.Min(buffer.Length, BinaryMessageFormatter.MaxLengthPrefixSize);
        scoped ReadOnlySpan<byte> bytes;
        if (buffer.FirstSpan.Length >= available)
        {
            bytes = buffer.FirstSpan[..available];
        }
        else
        {
            buffer.Slice(0, available).CopyTo(prefix);
            bytes = prefix[..available];
        }

        uint value = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (i == BinaryMessageFormatter.MaxLengthPrefixSize - 1 && (b & 0xF8) != 0)
            {
                // Fifth byte: only 3 value bits are left (bits 28..30) and no continuation is allowed.
                throw new InvalidDataException("Messages over 2GB in size are not supported: the length prefix is longer than 5 bytes or exceeds 0x7FFFFFFF.");
            }

            value |= (uint)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                bodyLength = (int)value;
                prefixLength = i + 1;
                return true;
            }
        }

        // Every byte so far had the continuation bit set and fewer than 5 were available.
        return false;
    }

    /// <summary>
    /// Slices one complete message body off the start of <paramref name="buffer"/>.
    /// Returns false, leaving <paramref name="buffer"/> unchanged, when the prefix or the body is not complete yet.
    /// </summary>
    /// <exception cref="InvalidDataException">The prefix is longer than 5 bytes or its value exceeds 0x7FFFFFFF.</exception>
    public static bool TryParseMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> payload)
    {
        if (!TryReadLengthPrefix(buffer, out var bodyLength, out var prefixLength)
            || buffer.Length - prefixLength < bodyLength)
        {
            payload = default;
            return false;
        }

        payload = buffer.Slice(prefixLength, bodyLength);
        buffer = buffer.Slice(payload.End);
        return true;
    }
}
