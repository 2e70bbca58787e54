using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>The default serializer options of the protocol.</summary>
internal static class MessagePackDefaults
{
    /// <summary>
    /// The JIT options (below) where the runtime can generate code, else <see cref="AotSerializerOptions"/>.
    /// The check is a feature switch: the AOT compiler drops the JIT branch and with it MessagePack-CSharp's
    /// dynamic (Reflection.Emit) resolvers from this path.
    /// </summary>
    public static MessagePackSerializerOptions SerializerOptions
        => RuntimeFeature.IsDynamicCodeSupported ? Jit.Options : AotSerializerOptions;

    /// <summary>The AOT-safe resolver (<see cref="AotResolver"/>), hardened for untrusted data.</summary>
    public static MessagePackSerializerOptions AotSerializerOptions => Aot.Options;

    // Separate holders: the JIT options (and the dynamic resolvers they reference) are created only when used.
    // JIT: DateTime (and DateTime?) as the timestamp extension first, whatever later resolvers would do, then the
    // built-in formatters, attribute formatters, enums as names (read from names or numbers) and the contractless
    // standard resolver (maps keyed by property names), hardened for untrusted data.
    private static class Jit
    {
        public static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
            .WithResolver(CompositeResolver.Create(
                new IMessagePackFormatter[] { DateTimeFormatter.Instance, NullableDateTimeFormatter.Instance },
                new IFormatterResolver[] { BuiltinResolver.Instance, AttributeFormatterResolver.Instance, EnumFormatterResolver.Instance, ContractlessStandardResolver.Instance }))
            .WithSecurity(MessagePackSecurity.UntrustedData);
    }

    private static class Aot
    {
        public static readonly MessagePackSerializerOptions Options = new MessagePackSerializerOptions(AotResolver.Instance)
            .WithSecurity(MessagePackSecurity.UntrustedData);
    }
}
