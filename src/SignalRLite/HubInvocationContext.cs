using System.Reflection;

namespace SignalRLite;

/// <summary>What a hub filter sees of one invocation.</summary>
public class HubInvocationContext
{
    /// <summary>Creates the context.</summary>
    public HubInvocationContext(HubCallerContext context, IServiceProvider serviceProvider, Hub hub, MethodInfo hubMethod, IReadOnlyList<object?> hubMethodArguments)
    {
        Context = context;
        ServiceProvider = serviceProvider;
        Hub = hub;
        HubMethod = hubMethod;
        HubMethodArguments = hubMethodArguments;
    }

    /// <summary>The calling connection.</summary>
    public HubCallerContext Context { get; }

    /// <summary>The scoped services of the invocation.</summary>
    public IServiceProvider ServiceProvider { get; }

    /// <summary>The hub instance.</summary>
    public Hub Hub { get; }

    /// <summary>The method being invoked.</summary>
    public MethodInfo HubMethod { get; }

    /// <summary>The name the client used.</summary>
    public string HubMethodName => HubMethod.Name;

    /// <summary>The arguments; a filter may replace the list's items before calling next.</summary>
    public IReadOnlyList<object?> HubMethodArguments { get; }

    internal Internal.Hubs.HubMethodDescriptor? Descriptor { get; init; }
}
