using MessagePack;
using SignalRLite.Protocols.MessagePack.Internal;

namespace SignalRLite;

/// <summary>Options of <see cref="Protocol.MessagePackHubProtocol"/>.</summary>
public class MessagePackHubProtocolOptions
{
    private MessagePackSerializerOptions _serializerOptions = MessagePackDefaults.SerializerOptions;

    /// <summary>
    /// The options used to serialise arguments, results and stream items.
    /// The default resolves <see cref="DateTime"/> to the MessagePack timestamp extension, then the
    /// standard contractless resolvers (objects as maps keyed by their .NET property names, enums
    /// written as their names and read from names or numbers), and
    /// applies <see cref="MessagePackSecurity.UntrustedData"/>.
    /// When you replace it, keep <c>.WithSecurity(MessagePackSecurity.UntrustedData)</c>: every
    /// argument is client input. Compression settings are ignored: messages are never compressed.
    /// Under Native AOT (no dynamic code) the default is <see cref="MessagePackAot.SerializerOptions"/> instead: the
    /// same encoding for the types it knows, without the resolvers that generate code at run time.
    /// </summary>
    public MessagePackSerializerOptions SerializerOptions
    {
        get => _serializerOptions;
        set => _serializerOptions = value ?? throw new ArgumentNullException(nameof(value));
    }
}
