using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SignalRLite.Analyzers.MessagePack;

/// <summary>
/// Decides the layout of one object type exactly as MessagePack-CSharp's dynamic object resolvers of the JIT defaults
/// do (checked byte for byte by the tests), and emits its formatter (<see cref="ObjectFormatterWriter"/>):
/// <list type="bullet">
/// <item><c>[MessagePackObject]</c> with <c>[Key(int)]</c>: an array as long as the largest public key plus one, gaps
/// (keys no public member has) written as nil.</item>
/// <item><c>[Key(string)]</c>: a map, all properties of the hierarchy (base first) then all fields.</item>
/// <item><c>[MessagePackObject(true)]</c> and attribute-less classes (the contractless resolver): a map keyed by member
/// names, level by level from the base, each level's properties then fields; a get-only member only when a constructor
/// parameter sets it.</item>
/// </list>
/// </summary>
internal static class ObjectFormatterEmitter
{
    public static bool IsCandidate(INamedTypeSymbol type)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || type.IsStatic || type.IsAbstract || type.IsTupleType)
        {
            return false;
        }

        if (HasAttribute(type, "MessagePack.MessagePackObjectAttribute"))
        {
            return true;
        }

        // Attribute-less: what the contractless resolver serialises; never framework or library types (the built-in resolver's).
        var assembly = type.ContainingAssembly?.Name ?? string.Empty;
        var framework = assembly.StartsWith("System", StringComparison.Ordinal) || assembly.StartsWith("Microsoft.", StringComparison.Ordinal)
            || assembly.StartsWith("MessagePack", StringComparison.Ordinal) || assembly is "mscorlib" or "netstandard" or "SignalRLite"
            || assembly.StartsWith("SignalRLite.Protocols.", StringComparison.Ordinal) || assembly == "SignalRLite.StackExchangeRedis";
        return !framework && !type.IsGenericType
            && !HasAttribute(type, "MessagePack.MessagePackFormatterAttribute") && type.TypeKind != TypeKind.Delegate && !DerivesFrom(type, "System.Exception");
    }

    public static ObjectFormatterResult Create(INamedTypeSymbol type)
    {
        var attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "MessagePack.MessagePackObjectAttribute");
        var contract = attribute is not null;
        var location = type.Locations.FirstOrDefault();
        var typeName = MessagePackTypeWalker.Name(type);
        ObjectFormatterResult Refuse(string reason) => contract
            ? ObjectFormatterResult.Failed(new DiagnosticInfo(Descriptors.MessagePackUnsupportedType, location, typeName, reason))
            : ObjectFormatterResult.Failed();

        if (HasAttribute(type, "MessagePack.MessagePackFormatterAttribute"))
        {
            return ObjectFormatterResult.Failed(); // its own formatter, found by the attribute resolver
        }

        if (type.IsGenericType)
        {
            return Refuse("generic types are not supported; write a formatter and register it with MessagePackAot.RegisterResolver");
        }

        if (!MessagePackTypeWalker.IsUsable(type))
        {
            return Refuse("the type must be public or internal (nested types too)");
        }

        var keyAsPropertyName = attribute is not null
            && ((attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is true)
                || attribute.NamedArguments.Any(a => a.Key == "KeyAsPropertyName" && a.Value.Value is true));
        var levels = new List<INamedTypeSymbol>();
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object && t.SpecialType != SpecialType.System_ValueType; t = t.BaseType)
        {
            levels.Insert(0, t);
        }

        var candidates = new List<ObjectMember>();
        foreach (var level in levels)
        {
            foreach (var symbol in level.GetMembers())
            {
                var member = ObjectMember.TryCreate(symbol);
                if (member is null)
                {
                    continue;
                }

                if (!member.IsPublic)
                {
                    continue; // non-public members are not serialised (a keyed one below the largest public key leaves a nil gap)
                }

                if (!member.Ignored)
                {
                    candidates.Add(member);
                }
            }
        }

        var mode = !contract || keyAsPropertyName ? ObjectLayout.Names : ObjectLayout.IntKeys;
        if (mode == ObjectLayout.IntKeys)
        {
            var withoutKey = candidates.FirstOrDefault(m => m.IntKey is null && m.StringKey is null);
            if (withoutKey is not null)
            {
                return Refuse($"public member '{withoutKey.Name}' has neither [Key] nor [IgnoreMember] (MessagePack-CSharp refuses the type too)");
            }

            var stringKeys = candidates.Count(m => m.StringKey is not null);
            if (stringKeys > 0 && stringKeys < candidates.Count)
            {
                return Refuse("int and string keys are mixed (MessagePack-CSharp refuses the type too)");
            }

            mode = stringKeys > 0 ? ObjectLayout.StringKeys : ObjectLayout.IntKeys;
            var duplicate = candidates.GroupBy(m => m.IntKey?.ToString() ?? m.StringKey).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                return Refuse($"key {duplicate.Key} is used more than once (MessagePack-CSharp refuses the type too)");
            }
        }

        var sameName = candidates.GroupBy(m => mode == ObjectLayout.IntKeys ? m.IntKey?.ToString() : m.StringKey ?? m.Name).FirstOrDefault(g => g.Count() > 1);
        if (sameName is not null)
        {
            return Refuse($"more than one member is written as '{sameName.Key}' (a member hidden with 'new'?)");
        }

        var unusable = candidates.FirstOrDefault(m => !MessagePackTypeWalker.IsUsable(m.Type));
        if (unusable is not null)
        {
            return Refuse($"member '{unusable.Name}' has a type that generated code cannot name");
        }

        if (!TryChooseConstructor(type, candidates, out var constructor))
        {
            return Refuse("it needs a public parameterless constructor, or a public constructor whose parameters all match serialized members by name and type");
        }

        var parameters = constructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
        var members = new List<ObjectMember>();
        foreach (var member in candidates)
        {
            member.ConstructorIndex = parameters.FirstOrDefault(p => string.Equals(p.Name, member.Name, StringComparison.OrdinalIgnoreCase))?.Ordinal ?? -1;
            if (mode == ObjectLayout.Names && !member.IsWritable && member.ConstructorIndex < 0)
            {
                continue; // by-name layouts leave out members nothing can set
            }

            members.Add(member);
        }

        var required = levels.SelectMany(l => l.GetMembers()).FirstOrDefault(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }
            && !members.Any(x => x.IsWritable && SymbolEqualityComparer.Default.Equals(x.Symbol, m)));
        if (required is not null)
        {
            return Refuse($"required member '{required.Name}' is not a public, settable, serialized member");
        }

        var ordered = mode switch
        {
            ObjectLayout.IntKeys => members.OrderBy(m => m.IntKey).ToList(),
            ObjectLayout.StringKeys => members.Where(m => m.IsProperty).Concat(members.Where(m => !m.IsProperty)).ToList(),
            _ => members, // level by level, and in each level properties before fields (sorted below)
        };
        if (mode == ObjectLayout.Names)
        {
            ordered = levels.SelectMany(level => members.Where(m => SymbolEqualityComparer.Default.Equals(m.Declaring, level) && m.IsProperty)
                .Concat(members.Where(m => SymbolEqualityComparer.Default.Equals(m.Declaring, level) && !m.IsProperty))).ToList();
        }

        var arrayLength = mode == ObjectLayout.IntKeys ? members.Select(m => m.IntKey ?? -1).DefaultIfEmpty(-1).Max() + 1 : 0;
        var code = ObjectFormatterWriter.Write(type, typeName, mode, ordered, arrayLength, constructor);
        var className = GeneratorNames.FormatterClass(type, "Formatter");
        return ObjectFormatterResult.Succeeded(new FormatterEntry(typeName, $"new {className}()", code), ordered.Select(m => m.Type));
    }

    internal static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    private static bool TryChooseConstructor(INamedTypeSymbol type, List<ObjectMember> members, out IMethodSymbol? constructor)
    {
        var constructors = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        constructor = constructors.FirstOrDefault(c => HasAttribute(c, "MessagePack.SerializationConstructorAttribute"));
        if (constructor is not null)
        {
            return Matches(constructor, members);
        }

        if (type.TypeKind == TypeKind.Struct || constructors.Any(c => c.Parameters.Length == 0))
        {
            return true; // parameterless: constructor stays null
        }

        constructor = constructors.Where(c => Matches(c, members)).OrderByDescending(c => c.Parameters.Length).FirstOrDefault();
        return constructor is not null;
    }

    private static bool Matches(IMethodSymbol constructor, List<ObjectMember> members)
        => constructor.Parameters.All(p => members.Any(m => string.Equals(m.Name, p.Name, StringComparison.OrdinalIgnoreCase)
            && SymbolEqualityComparer.Default.Equals(m.Type.WithNullableAnnotation(NullableAnnotation.None), p.Type.WithNullableAnnotation(NullableAnnotation.None))));

    internal static bool HasAttribute(ISymbol symbol, string attributeName)
        => symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == attributeName);

    private static bool DerivesFrom(INamedTypeSymbol type, string baseName)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.ToDisplayString() == baseName)
            {
                return true;
            }
        }

        return false;
    }
}

internal enum ObjectLayout
{
    IntKeys,
    StringKeys,
    Names,
}

/// <summary>A formatter entry (or nothing) and the member types the walker visits next.</summary>
internal sealed class ObjectFormatterResult
{
    private ObjectFormatterResult(FormatterEntry? entry, IEnumerable<ITypeSymbol> memberTypes, IEnumerable<DiagnosticInfo> diagnostics)
    {
        Entry = entry;
        MemberTypes = memberTypes.ToImmutableArray();
        Diagnostics = diagnostics.ToImmutableArray();
    }

    public FormatterEntry? Entry { get; }

    public ImmutableArray<ITypeSymbol> MemberTypes { get; }

    public ImmutableArray<DiagnosticInfo> Diagnostics { get; }

    public static ObjectFormatterResult Succeeded(FormatterEntry entry, IEnumerable<ITypeSymbol> memberTypes) => new(entry, memberTypes, Array.Empty<DiagnosticInfo>());

    public static ObjectFormatterResult Failed(params DiagnosticInfo[] diagnostics) => new(null, Array.Empty<ITypeSymbol>(), diagnostics);
}

/// <summary>One field or property of an object type, with what its attributes say.</summary>
internal sealed class ObjectMember
{
    private ObjectMember(ISymbol symbol, ITypeSymbol type, bool isProperty, bool isPublic, bool isWritable, bool isInitOnly)
    {
        Symbol = symbol;
        Type = type;
        IsProperty = isProperty;
        IsPublic = isPublic;
        IsWritable = isWritable;
        IsInitOnly = isInitOnly;
        foreach (var attribute in symbol.GetAttributes())
        {
            switch (attribute.AttributeClass?.ToDisplayString())
            {
                case "MessagePack.KeyAttribute" when attribute.ConstructorArguments.Length == 1:
                    if (attribute.ConstructorArguments[0].Value is int intKey)
                    {
                        IntKey = intKey;
                    }
                    else if (attribute.ConstructorArguments[0].Value is string stringKey)
                    {
                        StringKey = stringKey;
                    }

                    break;
                case "MessagePack.IgnoreMemberAttribute":
                case "System.Runtime.Serialization.IgnoreDataMemberAttribute":
                    Ignored = true;
                    break;
            }
        }
    }

    public ISymbol Symbol { get; }

    public INamedTypeSymbol Declaring => Symbol.ContainingType;

    public string Name => Symbol.Name;

    public ITypeSymbol Type { get; }

    public bool IsProperty { get; }

    public bool IsPublic { get; }

    /// <summary>Settable after construction (a public setter or a writable field; init-only setters count).</summary>
    public bool IsWritable { get; }

    /// <summary>Settable only in an object initializer: an init-only setter, or a required member.</summary>
    public bool IsInitOnly { get; }

    public int? IntKey { get; }

    public string? StringKey { get; }

    public bool Ignored { get; }

    public int ConstructorIndex { get; set; } = -1;

    public static ObjectMember? TryCreate(ISymbol symbol)
    {
        switch (symbol)
        {
            case IPropertySymbol { IsStatic: false, IsIndexer: false, IsOverride: false } property when property.GetMethod is not null:
                var publicGet = property.DeclaredAccessibility == Accessibility.Public && property.GetMethod.DeclaredAccessibility == Accessibility.Public;
                var setter = property.SetMethod is { DeclaredAccessibility: Accessibility.Public } set ? set : null;
                // Required members, like init-only ones, can only be set in an object initializer.
                return new ObjectMember(property, property.Type, isProperty: true, publicGet && !property.ReturnsByRef, setter is not null, setter?.IsInitOnly == true || property.IsRequired);
            case IFieldSymbol { IsStatic: false, IsConst: false, IsImplicitlyDeclared: false } field:
                return new ObjectMember(field, field.Type, isProperty: false, field.DeclaredAccessibility == Accessibility.Public && !field.Type.IsRefLikeType, !field.IsReadOnly, field.IsRequired);
            default:
                return null;
        }
    }
}
