using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.SourceGeneration;

namespace SignalRLite.Internal.Hubs;

/// <summary>Where a hub method parameter gets its value.</summary>
internal enum HubParameterSource
{
    Wire,
    Services,
    KeyedServices,
    CancellationToken,
    UploadStream,
}

/// <summary>
/// Everything the dispatcher needs to call one hub method, computed once at startup: parameter sources, the wire
/// parameter types for the parser, and an invoker that awaits whatever the method returns. Built from the source
/// generator's output (<see cref="GeneratedHubMethod"/>: direct calls, no reflection) when the hub has one, else by
/// reflection with compiled expression trees (<see cref="FromReflection"/>).
/// </summary>
internal sealed class HubMethodDescriptor
{
    // The MethodInfo on the generated path, found on first use. Two threads may both look it up: they find the same
    // method (GetMethod with constant arguments), and either write is a complete reference, so the race is harmless.
    private readonly Func<MethodInfo>? _findMethod;
    private MethodInfo? _method;

    /// <summary>A descriptor from the source generator's output: no reflection until a filter or rate limit asks for <see cref="Method"/>.</summary>
    public HubMethodDescriptor(GeneratedHubMethod generated, IServiceProviderIsService? isService, bool disableImplicitServices)
        : this(generated.Name, generated.Parameters.Select(p => (p.Type, p.Source, p.ServiceKey, p.UploadStreamFactory)).ToArray(), isService, disableImplicitServices)
    {
        _findMethod = generated.Method;
        IsStreamingMethod = generated.StreamEnumerator is not null;
        StreamEnumerator = generated.StreamEnumerator;
        IsSynchronous = generated.IsSynchronous;
        Invoker = generated.Invoker;
        AuthorizeData = generated.HasAuthorizationAttributes ? ReadAuthorizeData(Method) : [];
    }

    private HubMethodDescriptor(string name, MethodInfo method, (Type Type, HubParameterSource? Source, object? Key, Func<int, IUploadStream>? Stream)[] parameters, IServiceProviderIsService? isService, bool disableImplicitServices)
        : this(name, parameters, isService, disableImplicitServices)
    {
        _method = method;
        AuthorizeData = ReadAuthorizeData(method);
        Invoker = null!;
    }

    /// <summary>The part both paths share: each parameter's source; implicit services are decided here, at run time.</summary>
    private HubMethodDescriptor(string name, (Type Type, HubParameterSource? Source, object? Key, Func<int, IUploadStream>? Stream)[] parameters, IServiceProviderIsService? isService, bool disableImplicitServices)
    {
        Name = name;
        Sources = new HubParameterSource[parameters.Length];
        ServiceKeys = new object?[parameters.Length];
        ParameterTypes = new Type[parameters.Length];
        var wire = new List<Type>();
        var streams = new List<Func<int, IUploadStream>>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var (type, source, key, stream) = parameters[i];
            ParameterTypes[i] = type;
            ServiceKeys[i] = key;
            source ??= !disableImplicitServices && isService?.IsService(type) == true ? HubParameterSource.Services : HubParameterSource.Wire;
            Sources[i] = source.Value;
            switch (source.Value)
            {
                case HubParameterSource.CancellationToken:
                    HasCancellationToken = true;
                    break;
                case HubParameterSource.UploadStream:
                    streams.Add(stream!);
                    break;
                case HubParameterSource.Wire:
                    wire.Add(type);
                    break;
            }
        }

        WireParameterTypes = wire.ToArray();
        UploadStreamFactories = streams.ToArray();
        AuthorizeData = [];
        Invoker = null!;
    }

    /// <summary>Authorization required to invoke this method; empty when none.</summary>
    public IAuthorizeData[] AuthorizeData { get; }

    public string Name { get; }

    /// <summary>The method (for filters and rate-limit attributes); on the generated path looked up on first use.</summary>
    public MethodInfo Method => _method ??= _findMethod!();

    public HubParameterSource[] Sources { get; }

    public Type[] ParameterTypes { get; }

    public object?[] ServiceKeys { get; }

    /// <summary>What the parser binds <c>arguments</c> to, in order.</summary>
    public IReadOnlyList<Type> WireParameterTypes { get; }

    /// <summary>One factory per upload-stream parameter, in parameter order.</summary>
    public Func<int, IUploadStream>[] UploadStreamFactories { get; }

    public bool HasCancellationToken { get; }

    /// <summary>The method returns <c>IAsyncEnumerable&lt;T&gt;</c> or <c>ChannelReader&lt;T&gt;</c> (possibly in a task).</summary>
    public bool IsStreamingMethod { get; private init; }

    /// <summary>The method returns no awaitable (and no stream): it cannot wait for anything, such as a client result.</summary>
    public bool IsSynchronous { get; private init; }

    /// <summary>Calls the method on a hub with a full argument array and awaits it; yields the result or the stream object.</summary>
    public Func<object, object?[], ValueTask<object?>> Invoker { get; private init; }

    /// <summary>Turns the stream object of a streaming method into boxed items.</summary>
    public Func<object, CancellationToken, IAsyncEnumerable<object?>>? StreamEnumerator { get; private init; }

    /// <summary>The reflection path: for hubs the source generator did not describe.</summary>
    [RequiresUnreferencedCode("Reads hub method signatures by reflection; hubs described by the source generator do not come here.")]
    [RequiresDynamicCode("Builds invokers with expression trees and MakeGenericMethod; hubs described by the source generator do not come here.")]
    public static HubMethodDescriptor FromReflection(string name, MethodInfo method, IServiceProviderIsService? isService, bool disableImplicitServices)
    {
        var infos = method.GetParameters();
        var parameters = new (Type Type, HubParameterSource? Source, object? Key, Func<int, IUploadStream>? Stream)[infos.Length];
        for (var i = 0; i < infos.Length; i++)
        {
            var p = infos[i];
            var type = p.ParameterType;
            if (type == typeof(CancellationToken))
            {
                parameters[i] = (type, HubParameterSource.CancellationToken, null, null);
            }
            else if (p.GetCustomAttribute<FromKeyedServicesAttribute>() is { } keyed)
            {
                parameters[i] = (type, HubParameterSource.KeyedServices, keyed.Key, null);
            }
            else if (p.GetCustomAttributes().Any(a => a is IFromServiceMetadata))
            {
                parameters[i] = (type, HubParameterSource.Services, null, null);
            }
            else if (TryGetStreamItemType(type, out var itemType, out var isChannel))
            {
                var factory = Helpers.CreateUploadStreamMethod.MakeGenericMethod(itemType).CreateDelegate<Func<int, bool, IUploadStream>>();
                var asChannel = isChannel;
                parameters[i] = (type, HubParameterSource.UploadStream, null, capacity => factory(capacity, asChannel));
            }
            else
            {
                parameters[i] = (type, null, null, null);
            }
        }

        var returnType = method.ReturnType;
        var unwrapped = UnwrapAwaitable(returnType);
        Func<object, CancellationToken, IAsyncEnumerable<object?>>? streamEnumerator = null;
        if (unwrapped is not null && TryGetStreamItemType(unwrapped, out var resultItemType, out var resultIsChannel))
        {
            streamEnumerator = (resultIsChannel ? Helpers.EnumerateChannelMethod : Helpers.EnumerateAsyncEnumerableMethod)
                .MakeGenericMethod(resultItemType)
                .CreateDelegate<Func<object, CancellationToken, IAsyncEnumerable<object?>>>();
        }

        return new HubMethodDescriptor(name, method, parameters, isService, disableImplicitServices)
        {
            IsStreamingMethod = streamEnumerator is not null,
            StreamEnumerator = streamEnumerator,
            IsSynchronous = streamEnumerator is null
                && !typeof(Task).IsAssignableFrom(returnType)
                && returnType != typeof(ValueTask)
                && !(returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)),
            Invoker = CompileInvoker(method),
        };
    }

    /// <summary>
    /// [Authorize] on the method (or inherited from its declaration); [AllowAnonymous] on the method lifts it.
    /// The hub class's [Authorize] is enforced on the endpoint, for every request of the connection.
    /// </summary>
    private static IAuthorizeData[] ReadAuthorizeData(MethodInfo method) =>
        method.GetCustomAttributes(inherit: true).Any(a => a is IAllowAnonymous)
            ? []
            : method.GetCustomAttributes(inherit: true).OfType<IAuthorizeData>().ToArray();

    private static MethodInfo GetHelper(string name, int genericArity) =>
        typeof(GeneratedHubSupport).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == name && m.GetGenericArguments().Length == genericArity);

    /// <summary>The value type a method's return type yields once awaited; null for void, Task and ValueTask.</summary>
    private static Type? UnwrapAwaitable(Type type)
    {
        if (type == typeof(void) || type == typeof(Task) || type == typeof(ValueTask))
        {
            return null;
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return type.GetGenericArguments()[0];
        }

        return typeof(Task).IsAssignableFrom(type) ? null : type;
    }

    [RequiresUnreferencedCode("Looks for IAsyncEnumerable<T> among the interfaces of a type.")]
    internal static bool TryGetStreamItemType(Type type, out Type itemType, out bool isChannel)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ChannelReader<>))
            {
                itemType = t.GetGenericArguments()[0];
                isChannel = true;
                return true;
            }
        }

        isChannel = false;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>))
        {
            itemType = type.GetGenericArguments()[0];
            return true;
        }

        var implemented = type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>));
        itemType = implemented?.GetGenericArguments()[0]!;
        return implemented is not null;
    }

    [RequiresUnreferencedCode("Instantiates generic helpers over hub method types.")]
    [RequiresDynamicCode("Compiles an expression tree and instantiates generic helpers.")]
    private static Func<object, object?[], ValueTask<object?>> CompileInvoker(MethodInfo method)
    {
        var hub = Expression.Parameter(typeof(object), "hub");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var parameters = method.GetParameters();
        var arguments = new Expression[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            arguments[i] = Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), parameters[i].ParameterType);
        }

        Expression call = Expression.Call(Expression.Convert(hub, method.DeclaringType!), method, arguments);
        var type = method.ReturnType;
        Expression body;
        if (type == typeof(void))
        {
            body = Expression.Block(call, Expression.Default(typeof(ValueTask<object?>)));
        }
        else if (type == typeof(ValueTask))
        {
            body = Expression.Call(Helpers.AwaitValueTaskMethod, call);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            body = Expression.Call(Helpers.AwaitValueTaskOfTMethod.MakeGenericMethod(type.GetGenericArguments()[0]), call);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
        {
            body = Expression.Call(Helpers.AwaitTaskOfTMethod.MakeGenericMethod(type.GetGenericArguments()[0]), call);
        }
        else if (typeof(Task).IsAssignableFrom(type))
        {
            body = Expression.Call(Helpers.AwaitTaskMethod, Expression.Convert(call, typeof(Task)));
        }
        else
        {
            body = Expression.New(
                typeof(ValueTask<object?>).GetConstructor([typeof(object)])!,
                Expression.Convert(call, typeof(object)));
        }

        return Expression.Lambda<Func<object, object?[], ValueTask<object?>>>(body, hub, args).Compile();
    }

    private static IUploadStream CreateUploadStream<T>(int capacity, bool asChannel) => new UploadStream<T>(capacity, asChannel);

    /// <summary>The reflection path's generic helpers, looked up only when that path runs.</summary>
    private static class Helpers
    {
        public static readonly MethodInfo AwaitTaskMethod = GetHelper(nameof(GeneratedHubSupport.AwaitTask), 0);
        public static readonly MethodInfo AwaitTaskOfTMethod = GetHelper(nameof(GeneratedHubSupport.AwaitTask), 1);
        public static readonly MethodInfo AwaitValueTaskMethod = GetHelper(nameof(GeneratedHubSupport.AwaitValueTask), 0);
        public static readonly MethodInfo AwaitValueTaskOfTMethod = GetHelper(nameof(GeneratedHubSupport.AwaitValueTask), 1);
        public static readonly MethodInfo EnumerateAsyncEnumerableMethod = GetHelper(nameof(GeneratedHubSupport.EnumerateAsyncEnumerable), 1);
        public static readonly MethodInfo EnumerateChannelMethod = GetHelper(nameof(GeneratedHubSupport.EnumerateChannel), 1);
        public static readonly MethodInfo CreateUploadStreamMethod = typeof(HubMethodDescriptor).GetMethod(nameof(CreateUploadStream), BindingFlags.NonPublic | BindingFlags.Static)!;
    }
}
