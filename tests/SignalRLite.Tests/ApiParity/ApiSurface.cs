using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace SignalRLite.Tests.ApiParity;

/// <summary>
/// The public API of a set of assemblies as canonical text lines, read by reflection (names and signatures only:
/// metadata, never method bodies). Names of the official namespaces are rewritten to SignalRLite's
/// (<see cref="NamespaceMap"/>) so that the two surfaces can be compared line by line.
/// </summary>
/// <remarks>
/// Every entry has a <see cref="ApiEntry.Key"/> (what it is: a type, or a member by name and parameter types) and a
/// <see cref="ApiEntry.Signature"/> (how it is declared: modifiers, constraints, parameter names, defaults,
/// nullability). Same key but another signature is "different"; no entry with the key is "missing".
/// </remarks>
internal sealed class ApiSurface
{
    private readonly Func<string, string> _mapNamespace;
    private readonly Func<Type, string, string> _mapMemberName;
    private readonly NullabilityInfoContext _nullability = new();

    private readonly IReadOnlyDictionary<string, string> _renamedTypes;

    public ApiSurface(Func<string, string> mapNamespace, Func<Type, string, string>? mapMemberName = null,
        IReadOnlyDictionary<string, string>? renamedTypes = null)
    {
        _renamedTypes = renamedTypes ?? new Dictionary<string, string>();
        _mapNamespace = mapNamespace;
        _mapMemberName = mapMemberName ?? ((_, name) => name);
    }

    public Dictionary<string, ApiEntry> Entries { get; } = new(StringComparer.Ordinal);

    public void AddAssembly(Assembly assembly, Func<Type, bool> include)
    {
        foreach (var type in assembly.GetExportedTypes())
        {
            if (include(type))
            {
                AddType(type);
            }
        }
    }

    private void AddType(Type type)
    {
        var typeKey = TypeKey(type);
        Add(typeKey, typeKey, TypeSignature(type), type);

        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                   BindingFlags.Static | BindingFlags.DeclaredOnly;
        var canInherit = !type.IsSealed && !type.IsInterface && !type.IsEnum && !type.IsValueType;
        bool Visible(MethodBase? m) => m is not null && (m.IsPublic || (canInherit && (m.IsFamily || m.IsFamilyOrAssembly)));

        foreach (var ctor in type.GetConstructors(flags))
        {
            if (Visible(ctor))
            {
                var ps = Parameters(ctor.GetParameters(), withNames: false);
                Add(typeKey, $"{typeKey}::.ctor({ps})", $"{Access(ctor)}.ctor({Parameters(ctor.GetParameters(), withNames: true)})", type);
            }
        }

        foreach (var method in type.GetMethods(flags))
        {
            if (!Visible(method) || method.IsSpecialName && (method.Name.StartsWith("get_", StringComparison.Ordinal) ||
                method.Name.StartsWith("set_", StringComparison.Ordinal) || method.Name.StartsWith("add_", StringComparison.Ordinal) ||
                method.Name.StartsWith("remove_", StringComparison.Ordinal)))
            {
                continue;
            }

            var name = _mapMemberName(type, method.Name);
            var generic = method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : "";
            var key = $"{typeKey}::{name}{generic}({Parameters(method.GetParameters(), withNames: false)})";
            var signature = $"{Access(method)}{Modifiers(method, type)}{TypeName(method.ReturnType, _nullability.Create(method.ReturnParameter))} " +
                            $"{name}{GenericParameters(method.IsGenericMethodDefinition ? method.GetGenericArguments() : [])}" +
                            $"({Parameters(method.GetParameters(), withNames: true)})";
            Add(typeKey, key, signature, type);
        }

        foreach (var property in type.GetProperties(flags))
        {
            var getter = property.GetMethod;
            var setter = property.SetMethod;
            if (!Visible(getter) && !Visible(setter))
            {
                continue;
            }

            var indexer = property.GetIndexParameters();
            var name = indexer.Length == 0 ? property.Name : $"this[{Parameters(indexer, withNames: false)}]";
            var accessor = Visible(getter) ? getter! : setter!;
            var accessors = (Visible(getter) ? $"{Access(getter!)}get; " : "") +
                            (Visible(setter) ? $"{Access(setter!)}{(IsInitOnly(setter!) ? "init" : "set")}; " : "");
            Add(typeKey, $"{typeKey}::{name}",
                $"{Modifiers(accessor, type)}{TypeName(property.PropertyType, _nullability.Create(property))} {name} {{ {accessors}}}", type);
        }

        foreach (var field in type.GetFields(flags))
        {
            if (!(field.IsPublic || (canInherit && (field.IsFamily || field.IsFamilyOrAssembly))) || field.IsSpecialName)
            {
                continue;
            }

            var modifiers = field.IsLiteral ? "const " : (field.IsStatic ? "static " : "") + (field.IsInitOnly ? "readonly " : "");
            var value = field.IsLiteral ? $" = {Format(field.GetRawConstantValue())}" : "";
            Add(typeKey, $"{typeKey}::{field.Name}",
                $"{(field.IsFamily ? "protected " : "")}{modifiers}{TypeName(field.FieldType, _nullability.Create(field))} {field.Name}{value}", type);
        }

        foreach (var evt in type.GetEvents(flags))
        {
            if (!Visible(evt.AddMethod))
            {
                continue;
            }

            Add(typeKey, $"{typeKey}::{evt.Name}", $"{Modifiers(evt.AddMethod!, type)}event {TypeName(evt.EventHandlerType!, _nullability.Create(evt))} {evt.Name}", type);
        }
    }

    private void Add(string typeKey, string key, string signature, Type declaringType)
    {
        Entries[key] = new ApiEntry(typeKey, key, signature, declaringType.Assembly.GetName().Name!,
            declaringType.IsAbstract && declaringType.IsSealed);
    }

    public string TypeKey(Type type)
    {
        var name = type.Name;
        var tick = name.IndexOf('`');
        if (tick >= 0)
        {
            name = name[..tick];
        }

        var args = type.IsGenericTypeDefinition
            ? type.GetGenericArguments().Skip(type.DeclaringType?.GetGenericArguments().Length ?? 0).Select(a => a.Name).ToArray()
            : [];
        var generic = args.Length > 0 ? $"<{string.Join(", ", args)}>" : "";
        return type.DeclaringType is { } outer
            ? $"{TypeKey(outer)}.{name}{generic}"
            : $"{MapTypeName(type.Namespace, name)}{generic}";
    }

    private string TypeSignature(Type type)
    {
        var sb = new StringBuilder();
        if (type.IsEnum)
        {
            sb.Append(type.IsDefined(typeof(FlagsAttribute)) ? "[Flags] " : "");
            sb.Append("enum : ").Append(TypeName(Enum.GetUnderlyingType(type), null)).Append(" { ");
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                sb.Append(field.Name).Append(" = ").Append(field.GetRawConstantValue()).Append(", ");
            }

            return sb.Append('}').ToString();
        }

        if (type.IsSubclassOf(typeof(Delegate)))
        {
            var invoke = type.GetMethod("Invoke")!;
            return $"delegate {TypeName(invoke.ReturnType, _nullability.Create(invoke.ReturnParameter))}{GenericParameters(type.GetGenericArguments())}({Parameters(invoke.GetParameters(), withNames: true)})";
        }

        if (type.IsInterface)
        {
            sb.Append("interface");
        }
        else if (type.IsValueType)
        {
            sb.Append(type.IsDefined(typeof(IsReadOnlyAttribute)) ? "readonly struct" : "struct");
        }
        else
        {
            sb.Append(type.IsAbstract && type.IsSealed ? "static class" : type.IsAbstract ? "abstract class" : type.IsSealed ? "sealed class" : "class");
        }

        sb.Append(GenericParameters(type.IsGenericTypeDefinition ? type.GetGenericArguments() : []));
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType))
        {
            bases.Add(TypeName(baseType, null));
        }

        bases.AddRange(type.GetInterfaces().Select(i => TypeName(i, null)).Order(StringComparer.Ordinal));
        if (bases.Count > 0)
        {
            sb.Append(" : ").Append(string.Join(", ", bases));
        }

        return sb.ToString();
    }

    private string GenericParameters(Type[] parameters)
    {
        if (parameters.Length == 0)
        {
            return "";
        }

        var sb = new StringBuilder("<").Append(string.Join(", ", parameters.Select(p =>
            (p.GenericParameterAttributes & GenericParameterAttributes.Covariant) != 0 ? "out " + p.Name :
            (p.GenericParameterAttributes & GenericParameterAttributes.Contravariant) != 0 ? "in " + p.Name : p.Name))).Append('>');
        foreach (var p in parameters)
        {
            var constraints = new List<string>();
            var attributes = p.GenericParameterAttributes;
            if ((attributes & GenericParameterAttributes.ReferenceTypeConstraint) != 0)
            {
                constraints.Add("class");
            }

            if ((attributes & GenericParameterAttributes.NotNullableValueTypeConstraint) != 0)
            {
                constraints.Add("struct");
            }

            constraints.AddRange(p.GetGenericParameterConstraints().Where(c => c != typeof(ValueType)).Select(c => TypeName(c, null)).Order(StringComparer.Ordinal));
            if ((attributes & GenericParameterAttributes.DefaultConstructorConstraint) != 0 &&
                (attributes & GenericParameterAttributes.NotNullableValueTypeConstraint) == 0)
            {
                constraints.Add("new()");
            }

            if (constraints.Count > 0)
            {
                sb.Append(" where ").Append(p.Name).Append(" : ").Append(string.Join(", ", constraints));
            }
        }

        return sb.ToString();
    }

    private string Parameters(ParameterInfo[] parameters, bool withNames)
    {
        return string.Join(", ", parameters.Select((p, i) =>
        {
            var sb = new StringBuilder();
            if (i == 0 && p.Member.IsDefined(typeof(ExtensionAttribute)))
            {
                sb.Append("this ");
            }

            var type = p.ParameterType;
            if (type.IsByRef)
            {
                sb.Append(p.IsOut ? "out " : p.IsIn ? "in " : "ref ");
                type = type.GetElementType()!;
            }
            else if (p.IsDefined(typeof(ParamArrayAttribute)))
            {
                sb.Append("params ");
            }

            sb.Append(withNames ? TypeName(type, _nullability.Create(p)) : TypeName(type, null));
            if (withNames)
            {
                sb.Append(' ').Append(p.Name);
                if (p.HasDefaultValue)
                {
                    sb.Append(" = ").Append(Format(p.RawDefaultValue));
                }
            }

            return sb.ToString();
        }));
    }

    /// <summary>C#-like name of a type, with official namespaces mapped; '?' marks a nullable reference.</summary>
    public string TypeName(Type type, NullabilityInfo? nullability)
    {
        if (type.IsByRef)
        {
            return TypeName(type.GetElementType()!, nullability);
        }

        string name;
        if (type.IsGenericParameter)
        {
            name = type.Name;
        }
        else if (type.IsArray)
        {
            name = TypeName(type.GetElementType()!, nullability?.ElementType) + "[]";
        }
        else if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return TypeName(underlying, null) + "?";
        }
        else
        {
            var raw = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            var simple = raw.Name;
            var tick = simple.IndexOf('`');
            if (tick >= 0)
            {
                simple = simple[..tick];
            }

            name = raw.DeclaringType is { } outer ? $"{TypeName(outer, null)}.{simple}" : MapTypeName(raw.Namespace, simple);
            if (type.IsGenericType)
            {
                var args = type.GetGenericArguments().Skip(raw.DeclaringType?.GetGenericArguments().Length ?? 0).ToArray();
                var argNullability = nullability?.GenericTypeArguments;
                name += "<" + string.Join(", ", args.Select((a, i) =>
                    TypeName(a, argNullability is { Length: var n } && n == args.Length ? argNullability[i] : null))) + ">";
            }
        }

        if (nullability is { ReadState: NullabilityState.Nullable } && !type.IsValueType)
        {
            name += "?";
        }

        return name;
    }

    private string MapTypeName(string? ns, string simpleName) =>
        _renamedTypes.TryGetValue($"{ns}.{simpleName}", out var renamed) ? renamed : $"{_mapNamespace(ns ?? "")}.{simpleName}";

    private static string Access(MethodBase method) => method.IsPublic ? "" : "protected ";

    private static string Modifiers(MethodInfo method, Type declaringType)
    {
        if (method.IsStatic)
        {
            return method.IsAbstract ? "static abstract " : method.IsVirtual ? "static virtual " : "static ";
        }

        if (declaringType.IsInterface)
        {
            return method.IsAbstract ? "" : "default ";
        }

        if (method.IsAbstract)
        {
            return method.GetBaseDefinition() != method ? "abstract override " : "abstract ";
        }

        if (!method.IsVirtual || method.IsFinal && method.GetBaseDefinition() == method)
        {
            // Non-virtual, or a sealed implicit implementation of an interface member (C# writes no modifier).
            return "";
        }

        if (method.GetBaseDefinition() != method)
        {
            return method.IsFinal ? "sealed override " : "override ";
        }

        return "virtual ";
    }

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };
}

/// <param name="TypeKey">The mapped name of the declaring type.</param>
/// <param name="Key">What the entry is (type name, or member name and parameter types).</param>
/// <param name="Signature">How it is declared.</param>
/// <param name="Assembly">The assembly it was read from.</param>
/// <param name="IsStaticClassMember">Declared by a static class (or is one).</param>
internal sealed record ApiEntry(string TypeKey, string Key, string Signature, string Assembly, bool IsStaticClassMember);
