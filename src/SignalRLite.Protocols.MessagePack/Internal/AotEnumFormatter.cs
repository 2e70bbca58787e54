using MessagePack;
using MessagePack.Formatters;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>
/// Enums under Native AOT for enum types the source generator did not see (its generated formatters handle the
/// enums of hub signatures and [MessagePackObject] members exactly as the JIT path does). Writes the name
/// (<see cref="Enum.ToString()"/>), reads a name or a number, as <see cref="EnumNameOrNumberFormatter{T}"/> does.
/// Differences from the JIT path: <c>[EnumMember]</c> names are not used, and for two names with the same value the
/// name written is the runtime's choice rather than the last declared one.
/// Unconstrained <typeparamref name="T"/> so <see cref="AotEnumResolver"/> can create it without reflection; only
/// created for enum types.
/// </summary>
internal sealed class AotEnumFormatter<T> : IMessagePackFormatter<T>
{
    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        => writer.Write(value!.ToString());

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.NextMessagePackType == MessagePackType.Integer)
        {
            return reader.NextCode == MessagePackCode.UInt64
                ? (T)Enum.ToObject(typeof(T), reader.ReadUInt64())
                : (T)Enum.ToObject(typeof(T), reader.ReadInt64());
        }

        var name = reader.ReadString() ?? throw new MessagePackSerializationException($"Nil is not a value of {typeof(T)}.");
        return (T)Enum.Parse(typeof(T), name);
    }
}

/// <summary>Resolves every enum type to an <see cref="AotEnumFormatter{T}"/> (no reflection, no generated code).</summary>
internal sealed class AotEnumResolver : IFormatterResolver
{
    public static readonly AotEnumResolver Instance = new();

    private AotEnumResolver()
    {
    }

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = typeof(T).IsEnum ? new AotEnumFormatter<T>() : null;
    }
}
