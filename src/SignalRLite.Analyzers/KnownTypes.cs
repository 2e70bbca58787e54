using Microsoft.CodeAnalysis;

namespace SignalRLite.Analyzers;

/// <summary>The SignalRLite and BCL types the analyzer compares against, resolved once per compilation.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(INamedTypeSymbol hub, INamedTypeSymbol hubOfT, INamedTypeSymbol? hubMethodName, INamedTypeSymbol? task, INamedTypeSymbol? taskOfT)
    {
        Hub = hub;
        HubOfT = hubOfT;
        HubMethodName = hubMethodName;
        Task = task;
        TaskOfT = taskOfT;
    }

    public INamedTypeSymbol Hub { get; }

    public INamedTypeSymbol HubOfT { get; }

    public INamedTypeSymbol? HubMethodName { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public static KnownTypes? TryCreate(Compilation compilation)
    {
        var hub = compilation.GetTypeByMetadataName("SignalRLite.Hub");
        var hubOfT = compilation.GetTypeByMetadataName("SignalRLite.Hub`1");
        return hub is null || hubOfT is null
            ? null
            : new KnownTypes(
                hub,
                hubOfT,
                compilation.GetTypeByMetadataName("SignalRLite.HubMethodNameAttribute"),
                compilation.GetTypeByMetadataName("System.Threading.Tasks.Task"),
                compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1"));
    }

    /// <summary>A class deriving (directly or not) from <c>SignalRLite.Hub</c>.</summary>
    public bool IsHub(INamedTypeSymbol type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, Hub))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>object, Hub and Hub&lt;T&gt;: methods declared there are never hub methods.</summary>
    public bool IsFrameworkBase(INamedTypeSymbol type) =>
        type.SpecialType == SpecialType.System_Object
        || SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, Hub)
        || SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, HubOfT);

    /// <summary>The type argument of the <c>Hub&lt;T&gt;</c> in the chain starting at <paramref name="type"/>.</summary>
    public ITypeSymbol? ClientTypeOf(INamedTypeSymbol? type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, HubOfT))
            {
                return t.TypeArguments[0];
            }
        }

        return null;
    }

    public bool IsTaskOrTaskOfT(ITypeSymbol type) =>
        SymbolEqualityComparer.Default.Equals(type, Task)
        || (type is INamedTypeSymbol { IsGenericType: true } named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, TaskOfT));

    /// <summary>[HubMethodName] on the method or, as the attribute is inherited, on a method it overrides.</summary>
    public string? HubMethodNameOf(IMethodSymbol method)
    {
        if (HubMethodName is null)
        {
            return null;
        }

        for (var m = method; m is not null; m = m.OverriddenMethod)
        {
            foreach (var attribute in m.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, HubMethodName)
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is string name)
                {
                    return name;
                }
            }
        }

        return null;
    }
}
