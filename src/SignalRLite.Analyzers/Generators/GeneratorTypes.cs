using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SignalRLite.Analyzers.Generators;

/// <summary>
/// Type facts the generator needs, computed from symbols the way the runtime computes them by reflection
/// (HubMethodDescriptor.UnwrapAwaitable / TryGetStreamItemType), and how a type is written in generated code.
/// </summary>
internal sealed class GeneratorTypes
{
    private readonly Compilation _compilation;

    public GeneratorTypes(Compilation compilation, KnownTypes known)
    {
        _compilation = compilation;
        Known = known;
        Task = known.Task;
        TaskOfT = known.TaskOfT;
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        ChannelReader = compilation.GetTypeByMetadataName("System.Threading.Channels.ChannelReader`1");
        AsyncEnumerable = compilation.GetTypeByMetadataName("System.Collections.Generic.IAsyncEnumerable`1");
        FromKeyedServices = compilation.GetTypeByMetadataName("Microsoft.Extensions.DependencyInjection.FromKeyedServicesAttribute");
        FromServiceMetadata = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Http.Metadata.IFromServiceMetadata");
        AuthorizeData = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Authorization.IAuthorizeData");
        AllowAnonymous = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Authorization.IAllowAnonymous");
        ActivatorUtilitiesConstructor = compilation.GetTypeByMetadataName("Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructorAttribute");
        ServiceKey = compilation.GetTypeByMetadataName("Microsoft.Extensions.DependencyInjection.ServiceKeyAttribute");
        HubContextOfT = compilation.GetTypeByMetadataName("SignalRLite.IHubContext`2");
    }

    public KnownTypes Known { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? ValueTaskOfT { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public INamedTypeSymbol? ChannelReader { get; }

    public INamedTypeSymbol? AsyncEnumerable { get; }

    public INamedTypeSymbol? FromKeyedServices { get; }

    public INamedTypeSymbol? FromServiceMetadata { get; }

    public INamedTypeSymbol? AuthorizeData { get; }

    public INamedTypeSymbol? AllowAnonymous { get; }

    public INamedTypeSymbol? ActivatorUtilitiesConstructor { get; }

    public INamedTypeSymbol? ServiceKey { get; }

    public INamedTypeSymbol? HubContextOfT { get; }

    /// <summary>The fully qualified C# name (<c>global::</c>, special type keywords, no nullable annotations).</summary>
    public static string Name(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? known) =>
        known is not null && SymbolEqualityComparer.Default.Equals(type, known);

    public static bool IsConstructedFrom(ITypeSymbol? type, INamedTypeSymbol? definition) =>
        definition is not null && type is INamedTypeSymbol { IsGenericType: true } named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, definition);

    /// <summary>A class, or one of its bases, or an interface it implements, is <paramref name="target"/>.</summary>
    public static bool Implements(ITypeSymbol type, INamedTypeSymbol? target)
    {
        if (target is null)
        {
            return false;
        }

        for (var t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, target))
            {
                return true;
            }
        }

        return type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, target));
    }

    /// <summary>Assignable to <c>Task</c> (Task, Task&lt;T&gt; and their subclasses).</summary>
    public bool IsTaskLike(ITypeSymbol type) => Implements(type, Task);

    /// <summary>
    /// Whether generated code in this assembly can name the type: accessible here, and nothing C# cannot write in a
    /// <c>typeof</c> or cast (pointers, <c>dynamic</c>, ref structs, error types).
    /// </summary>
    public bool CanName(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return CanName(array.ElementType);
            case INamedTypeSymbol named:
                if (named.TypeKind == TypeKind.Error || named.IsRefLikeType || named.IsFileLocal
                    || !_compilation.IsSymbolAccessibleWithin(named.OriginalDefinition, _compilation.Assembly)
                    || (named.ContainingType is { } outer && !CanName(outer)))
                {
                    return false;
                }

                return named.TypeArguments.All(CanName);
            default:
                return false;
        }
    }

    /// <summary>
    /// Whether generated code may call the member: <c>[Obsolete(error: true)]</c> would fail the app's build (plain
    /// <c>[Obsolete]</c> warnings are disabled in the generated file).
    /// </summary>
    public static bool CanCall(ISymbol member) =>
        !member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ObsoleteAttribute"
            && a.ConstructorArguments.Length == 2 && a.ConstructorArguments[1].Value is true);

    /// <summary>The awaited value type of a return type: null for void, Task (and non-generic subclasses), ValueTask.</summary>
    public ITypeSymbol? UnwrapAwaitable(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_Void || Is(type, Task) || Is(type, ValueTask))
        {
            return null;
        }

        if (IsConstructedFrom(type, TaskOfT) || IsConstructedFrom(type, ValueTaskOfT))
        {
            return ((INamedTypeSymbol)type).TypeArguments[0];
        }

        return IsTaskLike(type) ? null : type;
    }

    /// <summary>ChannelReader&lt;T&gt; (or a subclass) or IAsyncEnumerable&lt;T&gt; (or an implementation): its T.</summary>
    public bool TryGetStreamItemType(ITypeSymbol type, out ITypeSymbol? itemType, out bool isChannel)
    {
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            if (IsConstructedFrom(t, ChannelReader))
            {
                itemType = ((INamedTypeSymbol)t).TypeArguments[0];
                isChannel = true;
                return true;
            }
        }

        isChannel = false;
        if (IsConstructedFrom(type, AsyncEnumerable))
        {
            itemType = ((INamedTypeSymbol)type).TypeArguments[0];
            return true;
        }

        var implemented = type.AllInterfaces.FirstOrDefault(i => IsConstructedFrom(i, AsyncEnumerable));
        itemType = implemented?.TypeArguments[0];
        return implemented is not null;
    }

    /// <summary>A C# expression for an attribute argument (a service key); null when it cannot be written simply.</summary>
    public static string? Constant(TypedConstant constant)
    {
        if (constant.IsNull)
        {
            return "null";
        }

        switch (constant.Kind)
        {
            case TypedConstantKind.Primitive when constant.Value is string s:
                return SymbolDisplay.FormatLiteral(s, quote: true);
            case TypedConstantKind.Primitive when constant.Type is not null:
                return "(" + Name(constant.Type) + ")(" + SymbolDisplay.FormatPrimitive(constant.Value!, quoteStrings: true, useHexadecimalNumbers: false) + ")";
            case TypedConstantKind.Enum when constant.Type is not null:
                return "(" + Name(constant.Type) + ")(" + SymbolDisplay.FormatPrimitive(constant.Value!, quoteStrings: false, useHexadecimalNumbers: false) + ")";
            case TypedConstantKind.Type when constant.Value is ITypeSymbol t:
                return "typeof(" + Name(t) + ")";
            default:
                return null;
        }
    }
}
