using System.Buffers;

namespace SignalRLite.Protocol;

/// <summary>
/// A value already serialised in the connection's hub protocol. Written as it is (an argument, a result or a stream
/// item that is a <see cref="RawResult"/> is copied to the wire unchanged), and produced when a result is read for
/// the type <see cref="RawResult"/> (the value's bytes, unparsed). Backplanes use it to carry client results between
/// servers without knowing their types.
/// </summary>
public sealed class RawResult
{
    /// <summary>Wraps serialised bytes. The bytes are referenced, not copied: they must stay unchanged.</summary>
    public RawResult(ReadOnlySequence<byte> rawBytes)
    {
        RawSerializedData = rawBytes;
    }

    /// <summary>The serialised value.</summary>
    public ReadOnlySequence<byte> RawSerializedData { get; }
}
