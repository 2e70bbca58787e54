using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>The default serializer options of the protocol.</summary>
internal static class MessagePackDefaults
{
    /// <summary>
    /// DateTime (and DateTime?) as the timestamp extension first, whatever later resolvers would do,
    /// then the built-in formatters, attribute formatters and the contractless standard resolver
    /// (maps keyed by property names, enums as integers), hardened for untrusted data.
    /// </summary>
    public static readonly MessagePackSerializerOptions SerializerOptions = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(
            new IMessagePackFormatter[] { DateTimeFormatter.Instance, NullableDateTimeFormatter.Instance },
            new IFormatterResolver[] { BuiltinResolver.Instance, AttributeFormatterResolver.Instance, ContractlessStandardResolver.Instance }))
        .WithSecurity(MessagePackSecurity.UntrustedData);
}
