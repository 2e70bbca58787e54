using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace SignalRLite.SourceGeneration;

/// <summary>
/// Where the SignalRLite source generator registers what it generated (hub method tables, hub factories, strongly
/// typed client proxies). For generated code only: the generated registration runs from a module initializer of the
/// app's assembly, and the runtime looks a hub or client interface up here before falling back to reflection.
/// </summary>
/// <remarks>
/// Registrations are published through static generic fields (one per hub or client type): written once at start,
/// before any lookup that can need them (module initializers run before the module's code; <see cref="FindHub{THub}"/>
/// runs the hub's module initializer first), read lock-free afterwards. A later registration replaces an earlier one.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedHubs
{
    /// <summary>Registers the generated method table and factory of <typeparamref name="THub"/>.</summary>
    public static void RegisterHub<THub>(GeneratedHub<THub> hub) where THub : Hub
    {
        ArgumentNullException.ThrowIfNull(hub);
        Volatile.Write(ref HubStore<THub>.Value, hub);
    }

    /// <summary>Registers the generated implementation of the client interface <typeparamref name="T"/>.</summary>
    public static void RegisterClientProxy<T>(Func<IClientProxy, T> factory) where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        Volatile.Write(ref ProxyStore<T>.Value, factory);
    }

    /// <summary>The generated registration of <typeparamref name="THub"/>, or null (the reflection path applies).</summary>
    internal static GeneratedHub<THub>? FindHub<THub>() where THub : Hub
    {
        if (Volatile.Read(ref HubStore<THub>.Value) is { } hub)
        {
            return hub;
        }

        // A hub from a class library: naming its type (MapHub<THub>) does not run that module's initializer by itself.
        RuntimeHelpers.RunModuleConstructor(typeof(THub).Module.ModuleHandle);
        return Volatile.Read(ref HubStore<THub>.Value);
    }

    /// <summary>The generated proxy factory of <typeparamref name="T"/>, or null.</summary>
    internal static Func<IClientProxy, T>? FindClientProxy<T>() where T : class => Volatile.Read(ref ProxyStore<T>.Value);

    private static class HubStore<THub> where THub : Hub
    {
        public static GeneratedHub<THub>? Value;
    }

    private static class ProxyStore<T> where T : class
    {
        public static Func<IClientProxy, T>? Value;
    }
}
