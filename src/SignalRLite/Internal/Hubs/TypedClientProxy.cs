using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using SignalRLite.SourceGeneration;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// A <see cref="DispatchProxy"/> implementing a client interface: a method returning <see cref="Task"/> becomes
/// <c>SendCoreAsync</c>, one returning <see cref="Task{TResult}"/> becomes a client-result <c>InvokeCoreAsync</c>
/// (single connections only). The interface is validated and its methods are described once per interface.
/// <see cref="Create"/> returns the source generator's proxy instead when the app has one for <typeparamref name="T"/>
/// (<see cref="GeneratedHubs"/>): same behaviour, no <see cref="DispatchProxy"/>.
/// </summary>
internal class TypedClientProxy<T> : DispatchProxy where T : class
{
    private static readonly ConcurrentDictionary<MethodInfo, ClientMethod> Methods = new();

    private IClientProxy _target = null!;

    public static T Create(IClientProxy target)
    {
        if (GeneratedHubs.FindClientProxy<T>() is { } generated)
        {
            return generated(target);
        }

        if (!HubReflection.IsSupported)
        {
            throw HubReflection.NotGenerated(typeof(T), "client proxy");
        }

        return CreateDispatchProxy(target);
    }

    [RequiresUnreferencedCode("Reads the client interface by reflection; interfaces the source generator implemented do not come here.")]
    [RequiresDynamicCode("DispatchProxy emits a type at run time; interfaces the source generator implemented do not come here.")]
    private static T CreateDispatchProxy(IClientProxy target)
    {
        if (Validated.Error is { } error)
        {
            throw error;
        }

        var proxy = DispatchProxy.Create<T, TypedClientProxy<T>>();
        ((TypedClientProxy<T>)(object)proxy)._target = target;
        return proxy;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Runs only on a proxy made by CreateDispatchProxy, which requires unreferenced code itself.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Runs only on a proxy made by CreateDispatchProxy, which requires dynamic code itself.")]
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var method = Methods.GetOrAdd(targetMethod!, static m => new ClientMethod(m));
        args ??= [];
        var cancellationToken = CancellationToken.None;
        object?[] wireArgs = args;
        if (method.CancellationTokenIndex >= 0)
        {
            cancellationToken = (CancellationToken)args[method.CancellationTokenIndex]!;
            wireArgs = [.. args.Where((_, i) => i != method.CancellationTokenIndex)];
        }

        if (method.Invoke is null)
        {
            return _target.SendCoreAsync(method.Name, wireArgs, cancellationToken);
        }

        if (_target is not ISingleClientProxy single)
        {
            throw GeneratedHubSupport.NotASingleClient(method.Name);
        }

        return method.Invoke(single, method.Name, wireArgs, cancellationToken);
    }

    [RequiresUnreferencedCode("Reads the client interface by reflection.")]
    private static Exception? Validate()
    {
        var type = typeof(T);
        if (!type.IsInterface)
        {
            return new InvalidOperationException($"Type '{type.FullName}' must be an interface to be used as a strongly typed hub client.");
        }

        foreach (var i in new[] { type }.Concat(type.GetInterfaces()))
        {
            if (i.GetProperties().Length > 0 || i.GetEvents().Length > 0)
            {
                return new InvalidOperationException($"Type '{type.FullName}' must contain only methods to be used as a strongly typed hub client.");
            }

            foreach (var m in i.GetMethods())
            {
                var r = m.ReturnType;
                if (r != typeof(Task) && !(r.IsGenericType && r.GetGenericTypeDefinition() == typeof(Task<>)))
                {
                    return new InvalidOperationException($"Cannot generate proxy implementation for '{type.FullName}.{m.Name}'. All client proxy methods must return '{typeof(Task).FullName}' or '{typeof(Task).FullName}<T>'.");
                }
            }
        }

        return null;
    }

    private sealed class ClientMethod
    {
        private static readonly MethodInfo InvokeHelper = typeof(ClientMethod).GetMethod(nameof(InvokeCore), BindingFlags.NonPublic | BindingFlags.Static)!;

        [RequiresUnreferencedCode("Reads the method by reflection.")]
        [RequiresDynamicCode("Instantiates a generic helper per result type.")]
        public ClientMethod(MethodInfo method)
        {
            Name = method.GetCustomAttribute<HubMethodNameAttribute>()?.Name ?? method.Name;
            CancellationTokenIndex = Array.FindIndex(method.GetParameters(), p => p.ParameterType == typeof(CancellationToken));
            if (method.ReturnType.IsGenericType)
            {
                Invoke = InvokeHelper.MakeGenericMethod(method.ReturnType.GetGenericArguments()[0])
                    .CreateDelegate<Func<ISingleClientProxy, string, object?[], CancellationToken, Task>>();
            }
        }

        public string Name { get; }

        public int CancellationTokenIndex { get; }

        public Func<ISingleClientProxy, string, object?[], CancellationToken, Task>? Invoke { get; }

        private static Task InvokeCore<TResult>(ISingleClientProxy proxy, string method, object?[] args, CancellationToken cancellationToken) =>
            proxy.InvokeCoreAsync<TResult>(method, args, cancellationToken);
    }

    /// <summary>The interface's validation, done once, on the reflection path only.</summary>
    [RequiresUnreferencedCode("Reads the client interface by reflection.")]
    private static class Validated
    {
        public static readonly Exception? Error = Validate();
    }
}
