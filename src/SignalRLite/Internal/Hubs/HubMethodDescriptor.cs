using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;

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
/// parameter types for the parser, and a compiled invoker that awaits whatever the method returns.
/// </summary>
internal sealed class HubMethodDescriptor
{
    private static readonly MethodInfo AwaitTaskMethod = GetHelper(nameof(AwaitTask));
    private static readonly MethodInfo AwaitTaskOfTMethod = GetHelper(nameof(AwaitTaskOfT));
    private static readonly MethodInfo AwaitValueTaskMethod = GetHelper(nameof(AwaitValueTask));
    private static readonly MethodInfo AwaitValueTaskOfTMethod = GetHelper(nameof(AwaitValueTaskOfT));
    private static readonly MethodInfo EnumerateAsyncEnumerableMethod = GetHelper(nameof(EnumerateAsyncEnumerable));
    private static readonly MethodInfo EnumerateChannelMethod = GetHelper(nameof(EnumerateChannel));
    private static readonly MethodInfo CreateUploadStreamMethod = GetHelper(nameof(CreateUploadStream));

    public HubMethodDescriptor(string name, MethodInfo method, IServiceProviderIsService? isService, bool disableImplicitServices)
    {
        Name = name;
        Method = method;

        var parameters = method.GetParameters();
        Sources = new HubParameterSource[parameters.Length];
        ServiceKeys = new object?[parameters.Length];
        ParameterTypes = new Type[parameters.Length];
        var wire = new List<Type>();
        var streams = new List<Func<int, IUploadStream>>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            var type = p.ParameterType;
            ParameterTypes[i] = type;
            if (type == typeof(CancellationToken))
            {
                Sources[i] = HubParameterSource.CancellationToken;
                HasCancellationToken = true;
            }
            else if (p.GetCustomAttribute<FromKeyedServicesAttribute>() is { } keyed)
            {
                Sources[i] = HubParameterSource.KeyedServices;
                ServiceKeys[i] = keyed.Key;
            }
            else if (p.GetCustomAttributes().Any(a => a is IFromServiceMetadata))
            {
                Sources[i] = HubParameterSource.Services;
            }
            else if (TryGetStreamItemType(type, out var itemType, out var isChannel))
            {
                Sources[i] = HubParameterSource.UploadStream;
                var factory = CreateUploadStreamMethod.MakeGenericMethod(itemType).CreateDelegate<Func<int, bool, IUploadStream>>();
                var asChannel = isChannel;
                streams.Add(capacity => factory(capacity, asChannel));
            }
            else if (!disableImplicitServices && isService?.IsService(type) == true)
            {
                Sources[i] = HubParameterSource.Services;
            }
            else
            {
                Sources[i] = HubParameterSource.Wire;
                wire.Add(type);
            }
        }

        WireParameterTypes = wire.ToArray();
        UploadStreamFactories = streams.ToArray();

        var returnType = method.ReturnType;
        var unwrapped = UnwrapAwaitable(returnType);
        if (unwrapped is not null && TryGetStreamItemType(unwrapped, out var resultItemType, out var resultIsChannel))
        {
            IsStreamingMethod = true;
            StreamEnumerator = (resultIsChannel ? EnumerateChannelMethod : EnumerateAsyncEnumerableMethod)
                .MakeGenericMethod(resultItemType)
                .CreateDelegate<Func<object, CancellationToken, IAsyncEnumerable<object?>>>();
        }

        IsSynchronous = !IsStreamingMethod
            && !typeof(Task).IsAssignableFrom(returnType)
            && returnType != typeof(ValueTask)
            && !(returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>));
        Invoker = CompileInvoker(method);

        // [Authorize] on the method (or inherited from its declaration); [AllowAnonymous] on the method lifts it.
        // The hub class's [Authorize] is enforced on the endpoint, for every request of the connection.
        AuthorizeData = method.GetCustomAttributes(inherit: true).Any(a => a is IAllowAnonymous)
            ? []
            : method.GetCustomAttributes(inherit: true).OfType<IAuthorizeData>().ToArray();
    }

    /// <summary>Authorization required to invoke this method; empty when none.</summary>
    public IAuthorizeData[] AuthorizeData { get; }

    public string Name { get; }

    public MethodInfo Method { get; }

    public HubParameterSource[] Sources { get; }

    public Type[] ParameterTypes { get; }

    public object?[] ServiceKeys { get; }

    /// <summary>What the parser binds <c>arguments</c> to, in order.</summary>
    public IReadOnlyList<Type> WireParameterTypes { get; }

    /// <summary>One factory per upload-stream parameter, in parameter order.</summary>
    public Func<int, IUploadStream>[] UploadStreamFactories { get; }

    public bool HasCancellationToken { get; }

    /// <summary>The method returns <c>IAsyncEnumerable&lt;T&gt;</c> or <c>ChannelReader&lt;T&gt;</c> (possibly in a task).</summary>
    public bool IsStreamingMethod { get; }

    /// <summary>The method returns no awaitable (and no stream): it cannot wait for anything, such as a client result.</summary>
    public bool IsSynchronous { get; }

    /// <summary>Calls the method on a hub with a full argument array and awaits it; yields the result or the stream object.</summary>
    public Func<object, object?[], ValueTask<object?>> Invoker { get; }

    /// <summary>Turns the stream object of a streaming method into boxed items.</summary>
    public Func<object, CancellationToken, IAsyncEnumerable<object?>>? StreamEnumerator { get; }

    private static MethodInfo GetHelper(string name) =>
        typeof(HubMethodDescriptor).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

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
            body = Expression.Call(AwaitValueTaskMethod, call);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            body = Expression.Call(AwaitValueTaskOfTMethod.MakeGenericMethod(type.GetGenericArguments()[0]), call);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
        {
            body = Expression.Call(AwaitTaskOfTMethod.MakeGenericMethod(type.GetGenericArguments()[0]), call);
        }
        else if (typeof(Task).IsAssignableFrom(type))
        {
            body = Expression.Call(AwaitTaskMethod, Expression.Convert(call, typeof(Task)));
        }
        else
        {
            body = Expression.New(
                typeof(ValueTask<object?>).GetConstructor([typeof(object)])!,
                Expression.Convert(call, typeof(object)));
        }

        return Expression.Lambda<Func<object, object?[], ValueTask<object?>>>(body, hub, args).Compile();
    }

    private static ValueTask<object?> AwaitTask(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return default;
        }

        return Await(task);

        static async ValueTask<object?> Await(Task task)
        {
            await task.ConfigureAwait(false);
            return null;
        }
    }

    private static ValueTask<object?> AwaitTaskOfT<T>(Task<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return new ValueTask<object?>(task.Result);
        }

        return Await(task);

        static async ValueTask<object?> Await(Task<T> task) => await task.ConfigureAwait(false);
    }

    private static ValueTask<object?> AwaitValueTask(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            return default;
        }

        return Await(task);

        static async ValueTask<object?> Await(ValueTask task)
        {
            await task.ConfigureAwait(false);
            return null;
        }
    }

    private static ValueTask<object?> AwaitValueTaskOfT<T>(ValueTask<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return new ValueTask<object?>(task.Result);
        }

        return Await(task);

        static async ValueTask<object?> Await(ValueTask<T> task) => await task.ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<object?> EnumerateAsyncEnumerable<T>(object source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ((IAsyncEnumerable<T>)source).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    private static async IAsyncEnumerable<object?> EnumerateChannel<T>(object source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = (ChannelReader<T>)source;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    private static IUploadStream CreateUploadStream<T>(int capacity, bool asChannel) => new UploadStream<T>(capacity, asChannel);
}
