using System.Buffers;
using MessagePack;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using SignalRLite.Internal.Protocol;
using SignalRLite.Protocol;
using SignalRLite.Protocols.MessagePack.Internal;

namespace SignalRLite.Protocol;

/// <summary>
/// The <c>messagepack</c> hub protocol (binary): each message is a MessagePack array preceded by
/// its VarInt length. Handshake versions 1 and 2 are accepted. Stateless and thread-safe: one
/// instance serves every connection.
/// </summary>
public class MessagePackHubProtocol : IHubProtocol
{
    private const string ProtocolName = "messagepack";
    private const int ProtocolVersion = 2;

    private readonly MessagePackSerializerOptions _serializerOptions;

    /// <summary>Creates the protocol with the default options.</summary>
    public MessagePackHubProtocol()
        : this(Options.Create(new MessagePackHubProtocolOptions()))
    {
    }

    /// <summary>Creates the protocol with the given options.</summary>
    public MessagePackHubProtocol(IOptions<MessagePackHubProtocolOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _serializerOptions = options.Value.SerializerOptions;
    }

    /// <inheritdoc />
    public string Name => ProtocolName;

    /// <inheritdoc />
    public int Version => ProtocolVersion;

    /// <inheritdoc />
    public TransferFormat TransferFormat => TransferFormat.Binary;

    /// <inheritdoc />
    /// <remarks>Every version up to <see cref="Version"/> (0 and negative ones included), as the official protocol (observed).</remarks>
    public bool IsVersionSupported(int version) => version <= ProtocolVersion;

    /// <summary>
    /// Parses the first complete message of <paramref name="input"/> and slices it off.
    /// Frames of an unknown message type (0, or 10 and above) are skipped: <paramref name="input"/>
    /// moves past them and parsing goes on with the next frame. Returns false when no complete
    /// message of a known type remains; <paramref name="input"/> then starts at the first incomplete
    /// frame (unchanged if nothing was skipped).
    /// </summary>
    /// <exception cref="InvalidDataException">The input is not valid MessagePack hub protocol data.</exception>
    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, out HubMessage? message)
    {
        ArgumentNullException.ThrowIfNull(binder);
        var remaining = input;
        while (BinaryMessageParser.TryParseMessage(ref remaining, out var body))
        {
            var parsed = MessagePackHubMessageReader.Parse(body, binder, _serializerOptions);
            input = remaining;
            if (parsed is not null)
            {
                message = parsed;
                return true;
            }
        }

        message = null;
        return false;
    }

    /// <inheritdoc />
    public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(output);
        var buffer = PooledBufferWriter.Rent();
        try
        {
            WriteBody(message, buffer);
            var body = buffer.WrittenSpan;
            BinaryMessageFormatter.WriteLengthPrefix(body.Length, output);
            output.Write(body);
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = PooledBufferWriter.Rent();
        try
        {
            WriteBody(message, buffer);
            var body = buffer.WrittenSpan;
            var prefixLength = BinaryMessageFormatter.LengthPrefixLength(body.Length);
            var bytes = new byte[prefixLength + body.Length];
            BinaryMessageFormatter.WriteLengthPrefix(body.Length, bytes);
            body.CopyTo(bytes.AsSpan(prefixLength));
            return bytes;
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    private void WriteBody(HubMessage message, PooledBufferWriter buffer)
    {
        var writer = new MessagePackWriter(buffer);
        MessagePackHubMessageWriter.Write(message, ref writer, _serializerOptions);
        writer.Flush();
    }
}
