using System.Buffers;
using System.Text.Json;

namespace SignalRLite.Internal.Protocol;

/// <summary>
/// Caches one <see cref="Utf8JsonWriter"/> per thread, reset onto each output, so writing a message allocates no writer.
/// <see cref="Get"/> takes the cached writer out of the slot, so a re-entrant call on the same thread gets a fresh one.
/// </summary>
internal static class ReusableUtf8JsonWriter
{
    private static readonly ArrayBufferWriter<byte> DetachedOutput = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static Utf8JsonWriter Get(IBufferWriter<byte> output, in JsonWriterOptions options)
    {
        var writer = t_writer;
        t_writer = null;
        if (writer is null || !SameOptions(writer.Options, options))
        {
            return new Utf8JsonWriter(output, options);
        }

        writer.Reset(output);
        return writer;
    }

    public static void Return(Utf8JsonWriter writer)
    {
        // Drop the reference to the output so a pipe or pooled buffer is not kept alive by the cache. A shared,
        // never-written buffer writer: Reset(Stream) would allocate an internal ArrayBufferWriter on every return.
        writer.Reset(DetachedOutput);
        t_writer = writer;
    }

    private static bool SameOptions(JsonWriterOptions a, JsonWriterOptions b) =>
        ReferenceEquals(a.Encoder, b.Encoder) && a.SkipValidation == b.SkipValidation && a.Indented == b.Indented;
}
