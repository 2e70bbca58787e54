using MessagePack;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>
/// Serialises a value whose type is known only at run time (hub arguments, results and stream items are
/// <see cref="object"/> in hub messages) through the generic, statically compiled
/// <c>MessagePackSerializer.Serialize&lt;T&gt;</c> / <c>Deserialize&lt;T&gt;</c>.
/// This replaces MessagePack-CSharp's non-generic <c>Serialize(Type, ...)</c>, which builds its generic call by
/// reflection (MakeGenericMethod, expression trees) and so needs code generated at run time.
/// </summary>
internal abstract class BoxedFormatter
{
    public abstract Type Type { get; }

    public abstract void Serialize(ref MessagePackWriter writer, object value, MessagePackSerializerOptions options);

    public abstract object? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options);
}

/// <summary>The <see cref="BoxedFormatter"/> of <typeparamref name="T"/>: a plain generic class, so it exists in a
/// native binary for every <typeparamref name="T"/> it is created with in code (safe under Native AOT).</summary>
internal sealed class BoxedFormatter<T> : BoxedFormatter
{
    public override Type Type => typeof(T);

    // The generic serializer entry points: the same exception wrapping and security handling as the
    // non-generic ones the protocol used before (those call these after their reflection step).
    public override void Serialize(ref MessagePackWriter writer, object value, MessagePackSerializerOptions options)
        => MessagePackSerializer.Serialize(ref writer, (T)value, options);

    public override object? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        => MessagePackSerializer.Deserialize<T>(ref reader, options);
}
