using System.Buffers;

namespace SignalRLite.Internal.Protocol;

/// <summary>
/// Writes the VarInt length prefix that precedes every message of a binary hub protocol
/// (HubProtocol.md, "MessagePack (MsgPack) encoding": the length prefix): 7 value bits per byte, least significant group first, high bit set on
/// every byte except the last, 1 to 5 bytes, largest value 0x7FFFFFFF.
/// </summary>
internal static class BinaryMessageFormatter
{
    /// <summary>The longest possible prefix, in bytes.</summary>
    public const int MaxLengthPrefixSize = 5;

    /// <summary>The largest body length a prefix can carry.</summary>
    public const int MaxBodyLength = int.MaxValue;

    /// <summary>How many bytes the prefix of a body of <paramref name="length"/> bytes takes.</summary>
    public static int LengthPrefixLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var size = 1;
        var value = (uint)length;
        while (value > 0x7F)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Writes the prefix into <paramref name="destination"/> and returns the number of bytes written.</summary>
    public static int WriteLengthPrefix(int length, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var value = (uint)length;
        var index = 0;
        while (value > 0x7F)
        {
            destination[index++] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }

        destination[index++] = (byte)value;
        return index;
    }

    /// <summary>Writes the prefix to <paramref name="output"/>.</summary>
    public static void WriteLengthPrefix(int length, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(MaxLengthPrefixSize);
        var written = WriteLengthPrefix(length, span);
        output.Advance(written);
    }
}
