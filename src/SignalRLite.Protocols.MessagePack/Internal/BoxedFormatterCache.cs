using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>
/// Type → <see cref="BoxedFormatter"/>. Holds the common types from the start and whatever the app (or the
/// SignalRLite source generator, through <see cref="MessagePackAot.Register{T}"/>) registers. A type not found
/// is created by reflection when the runtime can generate code (the JIT); under Native AOT it is an error that
/// names the type and the fix, raised where the value is read or written.
/// Thread-safety: a concurrent dictionary; two threads creating the same entry is harmless (the formatters are stateless).
/// </summary>
internal static class BoxedFormatterCache
{
    private static readonly ConcurrentDictionary<Type, BoxedFormatter> Formatters = CreateKnown();

    public static void Register<T>() => Formatters.TryAdd(typeof(T), new BoxedFormatter<T>());

    public static BoxedFormatter Get(Type type)
    {
        if (Formatters.TryGetValue(type, out var formatter))
        {
            return formatter;
        }

        // The guard is a feature switch: the AOT compiler removes the reflection branch from a native binary.
        if (RuntimeFeature.IsDynamicCodeSupported)
        {
            return Formatters.GetOrAdd(type, CreateByReflection(type));
        }

        throw new NotSupportedException(
            $"The MessagePack hub protocol has no formatter registered for '{type}' (Native AOT cannot create one at run time). " +
            "Hub method parameter, return and stream item types are registered by the SignalRLite source generator; for other types sent " +
            $"through SendAsync call MessagePackAot.Register<{type.Name}>() at startup. See docs/aot.md, \"MessagePack\".");
    }

    [RequiresDynamicCode("Creates BoxedFormatter<T> for a type known only at run time.")]
    private static BoxedFormatter CreateByReflection(Type type)
        => (BoxedFormatter)Activator.CreateInstance(typeof(BoxedFormatter<>).MakeGenericType(type))!;

    // Statically instantiated: these work in a native binary with no registration at all.
    private static ConcurrentDictionary<Type, BoxedFormatter> CreateKnown()
    {
        var known = new BoxedFormatter[]
        {
            new BoxedFormatter<object>(), new BoxedFormatter<string>(), new BoxedFormatter<bool>(), new BoxedFormatter<bool?>(),
            new BoxedFormatter<byte>(), new BoxedFormatter<byte?>(), new BoxedFormatter<sbyte>(), new BoxedFormatter<sbyte?>(),
            new BoxedFormatter<short>(), new BoxedFormatter<short?>(), new BoxedFormatter<ushort>(), new BoxedFormatter<ushort?>(),
            new BoxedFormatter<int>(), new BoxedFormatter<int?>(), new BoxedFormatter<uint>(), new BoxedFormatter<uint?>(),
            new BoxedFormatter<long>(), new BoxedFormatter<long?>(), new BoxedFormatter<ulong>(), new BoxedFormatter<ulong?>(),
            new BoxedFormatter<float>(), new BoxedFormatter<float?>(), new BoxedFormatter<double>(), new BoxedFormatter<double?>(),
            new BoxedFormatter<decimal>(), new BoxedFormatter<decimal?>(), new BoxedFormatter<char>(), new BoxedFormatter<char?>(),
            new BoxedFormatter<DateTime>(), new BoxedFormatter<DateTime?>(), new BoxedFormatter<DateTimeOffset>(), new BoxedFormatter<DateTimeOffset?>(),
            new BoxedFormatter<TimeSpan>(), new BoxedFormatter<TimeSpan?>(), new BoxedFormatter<Guid>(), new BoxedFormatter<Guid?>(),
            new BoxedFormatter<byte[]>(), new BoxedFormatter<object[]>(), new BoxedFormatter<string[]>(), new BoxedFormatter<int[]>(),
            new BoxedFormatter<long[]>(), new BoxedFormatter<double[]>(), new BoxedFormatter<bool[]>(),
            new BoxedFormatter<List<object>>(), new BoxedFormatter<List<string>>(), new BoxedFormatter<List<int>>(),
            new BoxedFormatter<List<long>>(), new BoxedFormatter<List<double>>(),
            new BoxedFormatter<Dictionary<string, string>>(), new BoxedFormatter<Dictionary<string, object>>(),
            new BoxedFormatter<Dictionary<object, object>>(),
        };
        var formatters = new ConcurrentDictionary<Type, BoxedFormatter>();
        foreach (var formatter in known)
        {
            formatters.TryAdd(formatter.Type, formatter);
        }

        return formatters;
    }
}
