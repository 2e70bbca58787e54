using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace SignalRLite.Protocol;

/// <summary>
/// A hub protocol: frames and encodes hub messages. Implementations must be thread-safe:
/// one instance serves every connection that selected it.
/// </summary>
public interface IHubProtocol
{
    /// <summary>The name clients ask for in the handshake, for example <c>json</c>.</summary>
    string Name { get; }

    /// <summary>The highest protocol version supported.</summary>
    int Version { get; }

    /// <summary>Text or Binary.</summary>
    TransferFormat TransferFormat { get; }

    /// <summary>
    /// Parses one complete message from the start of <paramref name="input"/> and slices it off.
    /// Returns false, leaving input unchanged, when the buffer does not yet hold a whole message.
    /// Messages of a type the protocol does not know are skipped (sliced off) and parsing goes on with the next one.
    /// Arguments that cannot be bound yield <see cref="InvocationBindingFailureMessage"/> or
    /// <see cref="StreamBindingFailureMessage"/>: the connection stays usable.
    /// Throws <see cref="InvalidDataException"/> on malformed input: the connection must be closed.
    /// </summary>
    bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, out HubMessage? message);

    /// <summary>Writes one framed message.</summary>
    void WriteMessage(HubMessage message, IBufferWriter<byte> output);

    /// <summary>Returns one framed message as bytes.</summary>
    ReadOnlyMemory<byte> GetMessageBytes(HubMessage message);

    /// <summary>Whether the handshake version is supported.</summary>
    bool IsVersionSupported(int version);
}
