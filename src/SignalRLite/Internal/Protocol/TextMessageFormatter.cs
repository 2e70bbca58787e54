using System.Buffers;

namespace SignalRLite.Internal.Protocol;

/// <summary>Writes the record separator that ends every text-protocol message.</summary>
internal static class TextMessageFormatter
{
    public const byte RecordSeparator = 0x1e;

    public static void WriteRecordSeparator(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(1);
        span[0] = RecordSeparator;
        output.Advance(1);
    }
}
