using System.Buffers;

namespace SignalRLite.Internal.Protocol;

/// <summary>A per-thread reusable <see cref="ArrayBufferWriter{T}"/> for producing one message's bytes.</summary>
internal static class PooledBufferWriter
{
    private const int MaxRetainedCapacity = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_writer;

    public static ArrayBufferWriter<byte> Rent()
    {
        var writer = t_writer ?? new ArrayBufferWriter<byte>(512);
        t_writer = null;
        return writer;
    }

    public static void Return(ArrayBufferWriter<byte> writer)
    {
        if (writer.Capacity <= MaxRetainedCapacity)
        {
            writer.ResetWrittenCount();
            t_writer = writer;
        }
    }
}
