using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SignalRLite.Analyzers.Generators;

/// <summary>
/// Writes the registration of one hub: a <c>GeneratedHub&lt;THub&gt;</c> with a factory and one
/// <c>GeneratedHubMethod</c> per hub method, each with a direct invoker. The facts are those HubMethodDescriptor and
/// HubMethodTable compute by reflection; the set of methods is <see cref="HubAnalyzer.CollectHubMethods"/>'s.
/// Returns null for a hub the runtime refuses (the shapes of SRL0001-SRL0004, which the analyzer reports) or that
/// generated code cannot name: the runtime's reflection path then gives its usual error or behaviour.
/// </summary>
internal static class HubSourceWriter
{
    private const string Support = "global::SignalRLite.SourceGeneration.GeneratedHubSupport";
    private const string Parameter = "global::SignalRLite.SourceGeneration.GeneratedHubParameter";

    /// <summary>The body of a method returning the hub's <c>GeneratedHub&lt;THub&gt;</c>; null when not generated.</summary>
    public static string? Write(INamedTypeSymbol hub, GeneratorTypes types)
    {
        if (hub.IsAbstract || hub.IsStatic || hub.IsGenericType || hub.TypeKind != TypeKind.Class || !types.CanName(hub))
        {
            return null;
        }

        var methods = new List<HubAnalyzer.HubMethod>();
        HubAnalyzer.CollectHubMethods(hub, types.Known, methods, new List<IMethodSymbol>());
        if (methods.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1))
        {
            return null;
        }

        var hubName = GeneratorTypes.Name(hub);
        var code = new StringBuilder();
        code.Append("new global::SignalRLite.SourceGeneration.GeneratedHub<").Append(hubName).Append(">(\n");
        code.Append("                ").Append(Factory(hub, hubName, types)).Append(",\n");
        code.Append("                ").Append(Bool(hub.InstanceConstructors.Any(c => c.DeclaredAccessibility == Accessibility.Public && c.Parameters.Length > 0))).Append(",\n");
        code.Append("                ").Append(Bool(OverridesAuthenticationRefreshed(hub, types))).Append(",\n");
        code.Append("                new global::SignalRLite.SourceGeneration.GeneratedHubMethod[]\n                {\n");
        foreach (var method in methods)
        {
            var entry = Method(hub, hubName, method, types);
            if (entry is null)
            {
                return null;
            }

            code.Append(entry);
        }

        code.Append("                })");
        return code.ToString();
    }

    private static string? Method(INamedTypeSymbol hub, string hubName, HubAnalyzer.HubMethod method, GeneratorTypes types)
    {
        var symbol = method.Symbol;
        if (symbol.ReturnsByRef || symbol.ReturnsByRefReadonly || !GeneratorTypes.CanCall(symbol)
            || (symbol.ReturnType.SpecialType != SpecialType.System_Void && !types.CanName(symbol.ReturnType)))
        {
            return null;
        }

        var parameters = new List<string>();
        var arguments = new List<string>();
        var typeofs = new List<string>();
        for (var i = 0; i < symbol.Parameters.Length; i++)
        {
            var p = symbol.Parameters[i];
            if (p.RefKind != RefKind.None || !types.CanName(p.Type))
            {
                return null;
            }

            var typeName = GeneratorTypes.Name(p.Type);
            var source = ParameterSource(p, typeName, types);
            if (source is null)
            {
                return null;
            }

            parameters.Add(source);
            arguments.Add("(" + typeName + ")args[" + i + "]");
            typeofs.Add("typeof(" + typeName + ")");
        }

        var call = "((" + hubName + ")hub)." + ClientProxyWriter.Identifier(symbol.Name) + "(" + string.Join(", ", arguments) + ")";
        var returnType = symbol.ReturnType;
        string invoker;
        if (returnType.SpecialType == SpecialType.System_Void)
        {
            invoker = "{ " + call + "; return default; }";
        }
        else if (GeneratorTypes.Is(returnType, types.ValueTask))
        {
            invoker = Support + ".AwaitValueTask(" + call + ")";
        }
        else if (GeneratorTypes.IsConstructedFrom(returnType, types.ValueTaskOfT))
        {
            invoker = Support + ".AwaitValueTask<" + GeneratorTypes.Name(((INamedTypeSymbol)returnType).TypeArguments[0]) + ">(" + call + ")";
        }
        else if (GeneratorTypes.IsConstructedFrom(returnType, types.TaskOfT))
        {
            invoker = Support + ".AwaitTask<" + GeneratorTypes.Name(((INamedTypeSymbol)returnType).TypeArguments[0]) + ">(" + call + ")";
        }
        else if (types.IsTaskLike(returnType))
        {
            invoker = Support + ".AwaitTask(" + call + ")";
        }
        else
        {
            invoker = "new global::System.Threading.Tasks.ValueTask<object>((object)" + call + ")";
        }

        var enumerator = "null";
        var unwrapped = types.UnwrapAwaitable(returnType);
        if (unwrapped is not null && types.TryGetStreamItemType(unwrapped, out var item, out var isChannel))
        {
            enumerator = Support + (isChannel ? ".EnumerateChannel<" : ".EnumerateAsyncEnumerable<") + GeneratorTypes.Name(item!) + ">";
        }

        var isSynchronous = enumerator == "null"
            && !types.IsTaskLike(returnType)
            && !GeneratorTypes.Is(returnType, types.ValueTask)
            && !GeneratorTypes.IsConstructedFrom(returnType, types.ValueTaskOfT);

        var text = new StringBuilder();
        text.Append("                    new global::SignalRLite.SourceGeneration.GeneratedHubMethod(\n");
        text.Append("                        ").Append(SymbolDisplay.FormatLiteral(method.Name, quote: true)).Append(",\n");
        text.Append("                        static () => typeof(").Append(hubName).Append(").GetMethod(").Append(SymbolDisplay.FormatLiteral(symbol.Name, quote: true))
            .Append(", global::System.Reflection.BindingFlags.Public | global::System.Reflection.BindingFlags.Instance, null, new global::System.Type[] { ")
            .Append(string.Join(", ", typeofs)).Append(" }, null),\n");
        text.Append("                        new ").Append(Parameter).Append("[] { ").Append(string.Join(", ", parameters)).Append(" },\n");
        text.Append("                        static (hub, args) => ").Append(invoker).Append(",\n");
        text.Append("                        ").Append(enumerator).Append(",\n");
        text.Append("                        ").Append(Bool(isSynchronous)).Append(",\n");
        text.Append("                        ").Append(Bool(HasAuthorizationAttributes(symbol, types))).Append("),\n");
        return text.ToString();
    }

    /// <summary>The parameter's source, decided in HubMethodDescriptor's order; implicit services stay a run-time decision.</summary>
    private static string? ParameterSource(IParameterSymbol p, string typeName, GeneratorTypes types)
    {
        var type = "typeof(" + typeName + ")";
        if (GeneratorTypes.Is(p.Type, types.CancellationToken))
        {
            return Parameter + ".CancellationToken()";
        }

        if (p.GetAttributes().FirstOrDefault(a => a.AttributeClass is { } c && GeneratorTypes.Implements(c, types.FromKeyedServices)) is { } keyed)
        {
            var key = keyed.ConstructorArguments.Length == 0 ? "null" : keyed.ConstructorArguments.Length == 1 ? GeneratorTypes.Constant(keyed.ConstructorArguments[0]) : null;
            return key is null ? null : Parameter + ".KeyedService(" + type + ", " + key + ")";
        }

        if (p.GetAttributes().Any(a => a.AttributeClass is { } c && GeneratorTypes.Implements(c, types.FromServiceMetadata)))
        {
            return Parameter + ".Service(" + type + ")";
        }

        if (types.TryGetStreamItemType(p.Type, out var item, out var isChannel))
        {
            return Parameter + ".UploadStream<" + GeneratorTypes.Name(item!) + ">(" + type + ", " + Bool(isChannel) + ")";
        }

        return Parameter + ".Argument(" + type + ")";
    }

    /// <summary>
    /// The constructor ActivatorUtilities.CreateFactory(hub, no arguments) would use: the one with
    /// [ActivatorUtilitiesConstructor], else the only public one. Null (the reflection activator) for anything else,
    /// or when a parameter needs more than a required service (default values, keyed services, [ServiceKey]).
    /// </summary>
    private static string Factory(INamedTypeSymbol hub, string hubName, GeneratorTypes types)
    {
        var candidates = hub.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        var preferred = candidates.Where(c => c.GetAttributes().Any(a => GeneratorTypes.Is(a.AttributeClass, types.ActivatorUtilitiesConstructor))).ToList();
        var constructor = preferred.Count == 1 ? preferred[0] : preferred.Count == 0 && candidates.Count == 1 ? candidates[0] : null;
        if (constructor is null || !GeneratorTypes.CanCall(constructor) || HasRequiredMembers(hub)
            || constructor.Parameters.Any(p => p.RefKind != RefKind.None || p.HasExplicitDefaultValue || p.IsParams || !types.CanName(p.Type)
                || p.GetAttributes().Any(a => a.AttributeClass is { } c && (GeneratorTypes.Implements(c, types.FromKeyedServices) || GeneratorTypes.Is(c, types.ServiceKey)))))
        {
            return "null";
        }

        var arguments = constructor.Parameters.Select(p => Support + ".GetConstructorService<" + GeneratorTypes.Name(p.Type) + ">(services, typeof(" + hubName + "))");
        return "static services => new " + hubName + "(" + string.Join(", ", arguments) + ")";
    }

    /// <summary><c>required</c> members: <c>new Hub(...)</c> would not compile (ActivatorUtilities ignores them).</summary>
    private static bool HasRequiredMembers(INamedTypeSymbol hub)
    {
        for (var t = hub; t is not null; t = t.BaseType)
        {
            if (t.GetMembers().Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Mirrors GetMethod("OnAuthenticationRefreshedAsync", no parameters).DeclaringType != Hub.</summary>
    private static bool OverridesAuthenticationRefreshed(INamedTypeSymbol hub, GeneratorTypes types)
    {
        for (var t = hub; t is not null && !types.Known.IsFrameworkBase(t); t = t.BaseType)
        {
            if (t.GetMembers("OnAuthenticationRefreshedAsync").OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 0 && m.DeclaredAccessibility == Accessibility.Public))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An IAuthorizeData or IAllowAnonymous attribute on the method or a method it overrides (inherit: true).</summary>
    private static bool HasAuthorizationAttributes(IMethodSymbol method, GeneratorTypes types)
    {
        for (var m = method; m is not null; m = m.OverriddenMethod)
        {
            if (m.GetAttributes().Any(a => a.AttributeClass is { } c && (GeneratorTypes.Implements(c, types.AuthorizeData) || GeneratorTypes.Implements(c, types.AllowAnonymous))))
            {
                return true;
            }
        }

        return false;
    }

    private static string Bool(bool value) => value ? "true" : "false";
}
