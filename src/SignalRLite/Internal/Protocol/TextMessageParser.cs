using System.Buffers;

namespace SignalRLite.Internal.Protocol;

/// <summary>Framing of the text protocols: every message ends with the record separator 0x1E.</summary>
internal static class TextMessageParser
{
    /// <summary>
    /// Slices the first complete record (without its separator) off <paramref name="buffer"/>.
    /// Returns false, leaving the buffer unchanged, when no separator has arrived yet.
    /// </summary>
    public static bool TryParseMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> payload)
    {
        if (buffer.IsSingleSegment)
        {
            var index = buffer.FirstSpan.IndexOf(TextMessageFormatter.RecordSeparator);
            if (index < 0)
            {
                payload = default;
                return false;
            }

            payload = buffer.Slice(0, index);
            buffer = buffer.Slice(index + 1);
            return true;
        }

        var position = buffer.PositionOf(TextMessageFormatter.RecordSeparator);
        if (position is null)
        {
            payload = default;
            return false;
        }

        payload = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }
}
