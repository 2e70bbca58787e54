using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>
/// Enums are written as their names (what the official SignalR MessagePack protocol writes and
/// expects, found by black-box testing) and read from either a name or an integer, so callers
/// that send the underlying number (as the spec's informative type table suggests) bind too.
/// </summary>
internal sealed class EnumFormatterResolver : IFormatterResolver
{
    public static readonly EnumFormatterResolver Instance = new();

    private EnumFormatterResolver()
    {
    }

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        // Only in the JIT options (MessagePackDefaults); the AOT resolver uses AotEnumResolver. The guard keeps the
        // reflection out of a native binary should this resolver be used there.
        public static readonly IMessagePackFormatter<T>? Formatter = !typeof(T).IsEnum ? null
            : RuntimeFeature.IsDynamicCodeSupported ? Create()
            : AotEnumResolver.Instance.GetFormatter<T>();

        [RequiresDynamicCode("Instantiates EnumNameOrNumberFormatter<T> over a type known only at run time.")]
        [UnconditionalSuppressMessage("Trimming", "IL2091", Justification =
            "The requirement is the parameterless constructor implied by the struct constraint; T is an enum here, and an enum has no constructor the trimmer could remove.")]
        private static IMessagePackFormatter<T> Create()
            => (IMessagePackFormatter<T>)Activator.CreateInstance(typeof(EnumNameOrNumberFormatter<>).MakeGenericType(typeof(T)))!;
    }
}

/// <summary>Writes an enum as its name; reads a name or a number.</summary>
internal sealed class EnumNameOrNumberFormatter<T> : IMessagePackFormatter<T>
    where T : struct, Enum
{
    private readonly IMessagePackFormatter<T> _names = DynamicEnumAsStringResolver.Instance.GetFormatter<T>()
        ?? throw new InvalidOperationException($"No enum formatter for {typeof(T)}.");

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        => _names.Serialize(ref writer, value, options);

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.NextMessagePackType != MessagePackType.Integer)
        {
            return _names.Deserialize(ref reader, options);
        }

        return reader.NextCode == MessagePackCode.UInt64
            ? (T)Enum.ToObject(typeof(T), reader.ReadUInt64())
            : (T)Enum.ToObject(typeof(T), reader.ReadInt64());
    }
}
