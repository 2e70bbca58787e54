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
        public static readonly IMessagePackFormatter<T>? Formatter = typeof(T).IsEnum
            ? (IMessagePackFormatter<T>)Activator.CreateInstance(typeof(EnumNameOrNumberFormatter<>).MakeGenericType(typeof(T)))!
            : null;
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
