using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>The default serializer options of the protocol.</summary>
internal static class MessagePackDefaults
{
    /// <summary>
    /// DateTime (and DateTime?) as the timestamp extension first, whatever later resolvers would do,
    /// then the built-in formatters, attribute formatters, enums as names (read from names or numbers)
    /// and the contractless standard resolver (maps keyed by property names), hardened for untrusted data.
    /// </summary>
    public static readonly MessagePackSerializerOptions SerializerOptions = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(
            new IMessagePackFormatter[] { DateTimeFormatter.Instance, NullableDateTimeFormatter.Instance },
            new IFormatterResolver[] { BuiltinResolver.Instance, AttributeFormatterResolver.Instance, EnumFormatterResolver.Instance, ContractlessStandardResolver.Instance }))
        .WithSecurity(MessagePackSecurity.UntrustedData);
}
