using System.ComponentModel;
using MessagePack;
using SignalRLite.Protocols.MessagePack.Internal;

namespace SignalRLite;

/// <summary>
/// The MessagePack hub protocol under Native AOT (and the seam the SignalRLite source generator registers through).
/// When the runtime cannot generate code (<see cref="System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported"/>
/// is false: a native binary), <see cref="MessagePackHubProtocolOptions.SerializerOptions"/> defaults to
/// <see cref="SerializerOptions"/>, so an AOT app writes nothing beyond <c>AddMessagePackProtocol()</c>; the generated
/// code (a resolver with formatters for the app's <c>[MessagePackObject]</c> types and the collection and enum
/// types of its hubs, plus the registration of those types) registers itself from a module initializer.
/// Register by hand only what the generator cannot see: types sent through <c>SendAsync</c> that no hub method or
/// client interface mentions. See docs/aot.md, "MessagePack".
/// </summary>
public static class MessagePackAot
{
    /// <summary>
    /// A resolver made only of resolvers that need no code generated at run time: DateTime as the timestamp extension,
    /// MessagePack-CSharp's built-in formatters, <c>[MessagePackFormatter]</c> attributes, the resolvers registered
    /// with <see cref="RegisterResolver"/>, enums (written as names, read from names or numbers), common dictionaries
    /// and <see cref="object"/>. Types it does not know resolve to no formatter (a serialisation error naming the type).
    /// </summary>
    public static IFormatterResolver Resolver => AotResolver.Instance;

    /// <summary>
    /// <see cref="Resolver"/> with <see cref="MessagePackSecurity.UntrustedData"/>: the protocol's default options when
    /// dynamic code is not supported. Usable on the JIT too (to test what a native binary does).
    /// </summary>
    public static MessagePackSerializerOptions SerializerOptions => MessagePackDefaults.AotSerializerOptions;

    /// <summary>
    /// Makes <typeparamref name="T"/> usable as a hub argument, result, stream item or <c>SendAsync</c> argument in a
    /// native binary: the protocol meets these values as <see cref="object"/> and needs a statically compiled way from
    /// the run-time type to the formatter of <typeparamref name="T"/>. Idempotent and thread-safe. Its formatter comes from
    /// the serializer options' resolver as usual.
    /// </summary>
    /// <typeparam name="T">The exact run-time type of the values (a derived type needs its own registration).</typeparam>
    public static void Register<T>() => BoxedFormatterCache.Register<T>();

    /// <summary>
    /// Adds <paramref name="resolver"/> to <see cref="Resolver"/>, after the built-in and attribute resolvers and
    /// before the enum and object fallbacks. Called by generated code from a module initializer; call it yourself
    /// before the first message is serialised. Registering the same instance twice adds it once.
    /// </summary>
    /// <param name="resolver">A resolver that needs no dynamic code (for example one written by hand or generated).</param>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static void RegisterResolver(IFormatterResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        AotResolver.Register(resolver);
    }
}
