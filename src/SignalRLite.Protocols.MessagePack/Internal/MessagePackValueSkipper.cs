using MessagePack;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>
/// Skips MessagePack values without recursion, so that a hostile, deeply nested value cannot
/// exhaust the stack. Truncated data throws <see cref="EndOfStreamException"/>.
/// </summary>
internal static class MessagePackValueSkipper
{
    /// <summary>Skips <paramref name="count"/> consecutive values.</summary>
    public static void Skip(ref MessagePackReader reader, long count)
    {
        var remaining = count;
        while (remaining > 0)
        {
            remaining--;
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Array:
                    remaining += reader.ReadArrayHeader();
                    break;
                case MessagePackType.Map:
                    remaining += 2L * reader.ReadMapHeader();
                    break;
                default:
                    SkipScalar(ref reader);
                    break;
            }
        }
    }

    private static void SkipScalar(ref MessagePackReader reader)
    {
        try
        {
            reader.Skip();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // MessagePack's reader reports a string/bin/ext longer than the data left this way.
            throw new EndOfStreamException("A value is longer than the data left in the message.", ex);
        }
    }
}
