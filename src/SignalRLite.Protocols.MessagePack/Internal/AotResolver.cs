using System.Diagnostics;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>
/// The resolver of <see cref="MessagePackAot.SerializerOptions"/>: only resolvers that need no code generated at run
/// time, in the order of the JIT defaults (<see cref="MessagePackDefaults"/>): DateTime as the timestamp extension,
/// the built-in formatters, <c>[MessagePackFormatter]</c> attributes, then the resolvers registered through
/// <see cref="MessagePackAot.RegisterResolver"/> (the generated one: [MessagePackObject] types, enums and collections
/// the app uses), enums, a few common dictionaries, and <see cref="object"/>.
/// Each type's formatter is looked up once, at its first use: resolvers registered later are not seen by types
/// already used (the generated resolver registers itself from a module initializer, before any use).
/// </summary>
internal sealed class AotResolver : IFormatterResolver
{
    // Invariants (under Lock for writers): `registered` holds distinct resolvers in registration order; the array is
    // replaced, never changed in place, so readers take the reference without the lock and see a complete array.
    public static readonly AotResolver Instance = new();

    private static readonly object Lock = new();
    private static IFormatterResolver[] registered = [];

    private AotResolver()
    {
    }

    public static void Register(IFormatterResolver resolver)
    {
        // Copy on write under the lock: readers take the array reference without locking.
        lock (Lock)
        {
            if (Array.IndexOf(registered, resolver) < 0)
            {
                Volatile.Write(ref registered, [.. registered, resolver]);
            }

            AssertInvariants();
        }
    }

    [Conditional("DEBUG")]
    private static void AssertInvariants()
    {
        Debug.Assert(Monitor.IsEntered(Lock), "Checked by the writer, under the lock.");
        Debug.Assert(registered.Distinct().Count() == registered.Length, "A resolver is registered once.");
    }

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static IMessagePackFormatter<T>? Find<T>()
    {
        if (typeof(T) == typeof(DateTime))
        {
            return (IMessagePackFormatter<T>)(object)DateTimeFormatter.Instance;
        }

        if (typeof(T) == typeof(DateTime?))
        {
            return (IMessagePackFormatter<T>)(object)NullableDateTimeFormatter.Instance;
        }

        if (typeof(T) == typeof(object))
        {
            return (IMessagePackFormatter<T>)(object)AotObjectFormatter.Instance;
        }

        var formatter = BuiltinResolver.Instance.GetFormatter<T>() ?? AttributeFormatterResolver.Instance.GetFormatter<T>();
        if (formatter is not null)
        {
            return formatter;
        }

        foreach (var resolver in Volatile.Read(ref registered))
        {
            formatter = resolver.GetFormatter<T>();
            if (formatter is not null)
            {
                return formatter;
            }
        }

        return AotEnumResolver.Instance.GetFormatter<T>() ?? (IMessagePackFormatter<T>?)CommonCollections.Get(typeof(T));
    }

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = Find<T>();
    }

    // The generic dictionaries of BoxedFormatterCache's known types that the built-in resolver does not cover.
    private static class CommonCollections
    {
        public static object? Get(Type type)
            => type == typeof(Dictionary<string, string>) ? new DictionaryFormatter<string, string>()
                : type == typeof(Dictionary<string, object>) ? new DictionaryFormatter<string, object>()
                : type == typeof(Dictionary<object, object>) ? new DictionaryFormatter<object, object>()
                : null;
    }
}

/// <summary>
/// <see cref="object"/> under AOT: writes the value with the formatter of its run-time type (found through
/// <see cref="BoxedFormatterCache"/>, so the type must be known or registered), reads primitives, arrays
/// (as object[]) and maps (as Dictionary&lt;object, object&gt;) as MessagePack-CSharp's primitive object formatter does.
/// </summary>
internal sealed class AotObjectFormatter : IMessagePackFormatter<object?>
{
    public static readonly AotObjectFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, object? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        var type = value.GetType();
        if (type == typeof(object))
        {
            writer.WriteMapHeader(0);
            return;
        }

        BoxedFormatterCache.Get(type).Serialize(ref writer, value, options);
    }

    public object? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        => PrimitiveObjectFormatter.Instance.Deserialize(ref reader, options);
}
