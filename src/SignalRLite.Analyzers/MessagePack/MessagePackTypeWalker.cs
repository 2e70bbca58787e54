using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace SignalRLite.Analyzers.MessagePack;

/// <summary>
/// Finds every formatter a type needs under Native AOT and describes it: MessagePack-CSharp's generic collection
/// formatters instantiated over the exact element types (what its dynamic generic resolver would create by reflection),
/// generated enum formatters, and generated object formatters for <c>[MessagePackObject]</c> types and for the
/// attribute-less classes the contractless resolver of the JIT defaults would handle. Recurses into element and member types.
/// </summary>
internal sealed class MessagePackTypeWalker
{
    private const string Formatters = "global::MessagePack.Formatters.";

    // Generic definition (metadata name) -> MessagePack-CSharp formatter that its dynamic generic resolver uses for it.
    private static readonly Dictionary<string, string> CollectionFormatters = new()
    {
        ["System.Collections.Generic.List`1"] = "ListFormatter",
        ["System.Collections.Generic.IList`1"] = "InterfaceListFormatter2",
        ["System.Collections.Generic.ICollection`1"] = "InterfaceCollectionFormatter2",
        ["System.Collections.Generic.IEnumerable`1"] = "InterfaceEnumerableFormatter",
        ["System.Collections.Generic.IReadOnlyList`1"] = "InterfaceReadOnlyListFormatter",
        ["System.Collections.Generic.IReadOnlyCollection`1"] = "InterfaceReadOnlyCollectionFormatter",
        ["System.Collections.Generic.HashSet`1"] = "HashSetFormatter",
        ["System.Collections.Generic.ISet`1"] = "InterfaceSetFormatter",
        ["System.Collections.Generic.Dictionary`2"] = "DictionaryFormatter",
        ["System.Collections.Generic.IDictionary`2"] = "InterfaceDictionaryFormatter",
        ["System.Collections.Generic.IReadOnlyDictionary`2"] = "InterfaceReadOnlyDictionaryFormatter",
        ["System.Collections.Generic.KeyValuePair`2"] = "KeyValuePairFormatter",
        ["System.Nullable`1"] = "NullableFormatter",
    };

    // Collection interface -> the concrete types a value declared as it usually is at run time (the protocol writes a
    // value by its run-time type, so those need formatters and registrations too).
    private static readonly Dictionary<string, string[]> RuntimeImplementations = new()
    {
        ["System.Collections.Generic.IEnumerable`1"] = ["System.Collections.Generic.List`1", "[]"],
        ["System.Collections.Generic.ICollection`1"] = ["System.Collections.Generic.List`1", "[]"],
        ["System.Collections.Generic.IList`1"] = ["System.Collections.Generic.List`1", "[]"],
        ["System.Collections.Generic.IReadOnlyCollection`1"] = ["System.Collections.Generic.List`1", "[]"],
        ["System.Collections.Generic.IReadOnlyList`1"] = ["System.Collections.Generic.List`1", "[]"],
        ["System.Collections.Generic.ISet`1"] = ["System.Collections.Generic.HashSet`1"],
        ["System.Collections.Generic.IDictionary`2"] = ["System.Collections.Generic.Dictionary`2"],
        ["System.Collections.Generic.IReadOnlyDictionary`2"] = ["System.Collections.Generic.Dictionary`2"],
    };

    private readonly Compilation _compilation;
    private readonly HashSet<string> _visited = new();
    private readonly List<FormatterEntry> _entries = new();
    private readonly List<DiagnosticInfo> _diagnostics = new();

    public MessagePackTypeWalker(Compilation compilation) => _compilation = compilation;

    public ImmutableArray<FormatterEntry> Entries => _entries.ToImmutableArray();

    public ImmutableArray<DiagnosticInfo> Diagnostics => _diagnostics.ToImmutableArray();

    public static string Name(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    /// <summary>Whether <paramref name="type"/> can be named in generated code and registered (no type parameters, pointers or ref structs).</summary>
    public static bool IsUsable(ITypeSymbol type) => type switch
    {
        ITypeParameterSymbol or IPointerTypeSymbol or IFunctionPointerTypeSymbol or IErrorTypeSymbol or IDynamicTypeSymbol => false,
        IArrayTypeSymbol array => IsUsable(array.ElementType),
        INamedTypeSymbol named => !named.IsRefLikeType && !named.IsUnboundGenericType && named.TypeArguments.All(IsUsable) && IsAccessible(named),
        _ => false,
    };

    public void Visit(ITypeSymbol type)
    {
        if (!IsUsable(type) || type.SpecialType != SpecialType.None || !_visited.Add(Name(type)))
        {
            return;
        }

        switch (type)
        {
            case IArrayTypeSymbol { Rank: 1 } array:
                Add(type, $"new {Formatters}ArrayFormatter<{Name(array.ElementType)}>()");
                Visit(array.ElementType);
                return;
            case INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType:
                _entries.Add(EnumFormatterEmitter.Create(enumType));
                return;
            case INamedTypeSymbol { IsGenericType: true } generic
                when CollectionFormatters.TryGetValue(MetadataName(generic.OriginalDefinition), out var formatter):
                Add(type, $"new {Formatters}{formatter}<{string.Join(", ", generic.TypeArguments.Select(Name))}>()");
                foreach (var argument in generic.TypeArguments)
                {
                    Visit(argument);
                }

                if (RuntimeImplementations.TryGetValue(MetadataName(generic.OriginalDefinition), out var implementations))
                {
                    foreach (var implementation in implementations)
                    {
                        if (implementation == "[]")
                        {
                            Visit(_compilation.CreateArrayTypeSymbol(generic.TypeArguments[0]));
                        }
                        else if (_compilation.GetTypeByMetadataName(implementation) is { } definition)
                        {
                            Visit(definition.Construct(generic.TypeArguments.ToArray()));
                        }
                    }
                }

                return;
            case INamedTypeSymbol named when ObjectFormatterEmitter.IsCandidate(named):
                var result = ObjectFormatterEmitter.Create(named);
                _diagnostics.AddRange(result.Diagnostics);
                if (result.Entry is not null)
                {
                    _entries.Add(result.Entry);
                }

                foreach (var memberType in result.MemberTypes)
                {
                    Visit(memberType);
                }

                return;
        }
    }

    private void Add(ITypeSymbol type, string creation) => _entries.Add(new FormatterEntry(Name(type), creation, string.Empty));

    private static string MetadataName(INamedTypeSymbol type)
        => type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;

    private static bool IsAccessible(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }
}
