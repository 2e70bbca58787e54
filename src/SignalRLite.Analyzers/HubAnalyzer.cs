using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SignalRLite.Analyzers;

/// <summary>
/// Reports, at compile time, the hub shapes SignalRLite refuses at run time. It only repeats the runtime's own
/// checks (see docs/analyzers.md for each rule and where the runtime fails): the set of hub methods is computed
/// the way <c>HubMethodTable</c> computes it by reflection (public instance methods up to <c>Hub</c>/<c>Hub&lt;T&gt;</c>,
/// most-derived overrides only, <c>new</c>-hidden methods included, generic methods and <c>Dispose()</c> skipped).
/// A diagnostic is reported on the class that declares the offending member, so a base hub's problem is reported
/// once, on the base.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HubAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.DuplicateName,
        Descriptors.CaseOnlyName,
        Descriptors.UnsupportedParameter,
        Descriptors.UnsupportedReturn,
        Descriptors.GenericMethod,
        Descriptors.ClientNotInterface,
        Descriptors.ClientMember,
        Descriptors.ClientReturn);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Nothing to do in a compilation that does not reference SignalRLite.
            if (KnownTypes.TryCreate(start.Compilation) is { } known)
            {
                start.RegisterSymbolAction(c => AnalyzeType(c, known), SymbolKind.NamedType);
            }
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypes known)
    {
        if (context.Symbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type || !known.IsHub(type))
        {
            return;
        }

        AnalyzeMethods(context, type, known);
        AnalyzeClientType(context, type, known);
    }

    private static void AnalyzeMethods(SymbolAnalysisContext context, INamedTypeSymbol type, KnownTypes known)
    {
        var methods = new List<HubMethod>();
        var generic = new List<IMethodSymbol>();
        CollectHubMethods(type, known, methods, generic);

        foreach (var method in generic.Where(m => DeclaredIn(m, type)))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.GenericMethod, LocationOf(method, type), method.Name));
        }

        foreach (var group in methods.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase))
        {
            var all = group.ToList();
            foreach (var entry in all.Where(m => DeclaredIn(m.Symbol, type)))
            {
                if (all.Count(m => m.Name == entry.Name) > 1)
                {
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.DuplicateName, LocationOf(entry.Symbol, type), type.Name, entry.Name));
                }

                if (all.FirstOrDefault(m => m.Name != entry.Name) is { } other)
                {
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.CaseOnlyName, LocationOf(entry.Symbol, type), type.Name, other.Name, entry.Name));
                }
            }
        }

        foreach (var method in methods.Where(m => DeclaredIn(m.Symbol, type)))
        {
            AnalyzeSignature(context, method, type);
        }
    }

    /// <summary>
    /// Parameters and return types the runtime cannot bind or invoke. Checked: ref/out/in parameters and pointers
    /// make the compiled invoker fail when the hub's method table is built (MapHub); a ref struct
    /// parameter builds but no argument can ever be bound to it; by-ref, pointer and ref struct returns fail when
    /// the table is built.
    /// </summary>
    private static void AnalyzeSignature(SymbolAnalysisContext context, HubMethod method, INamedTypeSymbol type)
    {
        var symbol = method.Symbol;
        foreach (var parameter in symbol.Parameters)
        {
            var (kind, consequence) = parameter switch
            {
                { RefKind: RefKind.Out } => ("an out parameter", "MapHub throws"),
                { RefKind: RefKind.In } => ("an in parameter", "MapHub throws"),
                { RefKind: not RefKind.None } => ("a ref parameter", "MapHub throws"),
                { Type: IPointerTypeSymbol } => ("a pointer", "MapHub throws"),
                { Type.IsRefLikeType: true } => ($"the ref struct '{parameter.Type.ToDisplayString()}'", "no argument can be bound to it, so every invocation fails"),
                _ => (null, null),
            };
            if (kind is not null)
            {
                var location = parameter.Locations.FirstOrDefault(l => l.IsInSource) ?? LocationOf(symbol, type);
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.UnsupportedParameter, location, parameter.Name, method.Name, kind, consequence));
            }
        }

        var returns = symbol switch
        {
            { ReturnsByRef: true } or { ReturnsByRefReadonly: true } => "by reference",
            { ReturnType: IPointerTypeSymbol } => "a pointer",
            { ReturnType.IsRefLikeType: true } => $"the ref struct '{symbol.ReturnType.ToDisplayString()}'",
            _ => null,
        };
        if (returns is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.UnsupportedReturn, LocationOf(symbol, type), method.Name, returns));
        }
    }

    /// <summary>The <c>T</c> of <c>Hub&lt;T&gt;</c>, checked as <c>TypedClientProxy&lt;T&gt;</c> validates it.</summary>
    private static void AnalyzeClientType(SymbolAnalysisContext context, INamedTypeSymbol type, KnownTypes known)
    {
        var client = known.ClientTypeOf(type.BaseType);
        if (client is null || client.TypeKind is TypeKind.TypeParameter or TypeKind.Error)
        {
            return;
        }

        // A generic base hub (class Base<T> : Hub<T>) leaves T open: the class that closes it reports. A base that
        // closed it already reported it itself.
        if (type.BaseType is { } baseType && !SymbolEqualityComparer.Default.Equals(baseType.OriginalDefinition, known.HubOfT)
            && known.ClientTypeOf(baseType.OriginalDefinition.BaseType) is { TypeKind: not TypeKind.TypeParameter })
        {
            return;
        }

        var location = BaseListLocation(type, context.CancellationToken);
        var clientName = client.ToDisplayString();
        if (client.TypeKind != TypeKind.Interface)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.ClientNotInterface, location, clientName));
            return;
        }

        // Type.GetProperties/GetEvents/GetMethods: public members, instance and static, of T and every interface it extends.
        foreach (var declaring in new[] { (INamedTypeSymbol)client }.Concat(client.AllInterfaces))
        {
            foreach (var member in declaring.GetMembers().Where(m => m.DeclaredAccessibility == Accessibility.Public))
            {
                switch (member)
                {
                    case IPropertySymbol:
                        context.ReportDiagnostic(Diagnostic.Create(Descriptors.ClientMember, location, declaring.ToDisplayString(), "property", member.Name));
                        break;
                    case IEventSymbol:
                        context.ReportDiagnostic(Diagnostic.Create(Descriptors.ClientMember, location, declaring.ToDisplayString(), "event", member.Name));
                        break;
                    case IMethodSymbol { MethodKind: MethodKind.Ordinary } method when !known.IsTaskOrTaskOfT(method.ReturnType) || method.ReturnsByRef || method.ReturnsByRefReadonly:
                        context.ReportDiagnostic(Diagnostic.Create(Descriptors.ClientReturn, location, declaring.ToDisplayString(), method.Name, method.ReturnType.ToDisplayString()));
                        break;
                }
            }
        }
    }

    /// <summary>Mirrors HubMethodTable.GetHubMethods: what reflection's GetMethods(Public | Instance) yields, filtered.</summary>
    internal static void CollectHubMethods(INamedTypeSymbol type, KnownTypes known, List<HubMethod> methods, List<IMethodSymbol> generic)
    {
        var overridden = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        for (var t = type; t is not null && !known.IsFrameworkBase(t); t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary, IsStatic: false, DeclaredAccessibility: Accessibility.Public } method)
                {
                    continue;
                }

                // Reflection yields only the most derived override of a virtual slot; 'new' methods hide nothing.
                var skip = overridden.Contains(method.OriginalDefinition);
                var root = method;
                for (var o = method.OverriddenMethod; o is not null; o = o.OverriddenMethod)
                {
                    overridden.Add(o.OriginalDefinition);
                    root = o;
                }

                if (skip || known.IsFrameworkBase(root.ContainingType) || (method.Name == "Dispose" && method.Parameters.Length == 0))
                {
                    continue;
                }

                if (method.IsGenericMethod)
                {
                    generic.Add(method);
                    continue;
                }

                methods.Add(new HubMethod(method, known.HubMethodNameOf(method) ?? method.Name));
            }
        }
    }

    private static bool DeclaredIn(IMethodSymbol method, INamedTypeSymbol type) =>
        SymbolEqualityComparer.Default.Equals(method.ContainingType.OriginalDefinition, type.OriginalDefinition);

    private static Location LocationOf(ISymbol symbol, INamedTypeSymbol type) =>
        symbol.Locations.FirstOrDefault(l => l.IsInSource) ?? type.Locations.FirstOrDefault() ?? Location.None;

    /// <summary>The first base type in the class declaration (the <c>Hub&lt;T&gt;</c>), else the class name.</summary>
    private static Location BaseListLocation(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is ClassDeclarationSyntax { BaseList.Types.Count: > 0 } declaration)
            {
                return declaration.BaseList.Types[0].GetLocation();
            }
        }

        return type.Locations.FirstOrDefault() ?? Location.None;
    }

    internal sealed class HubMethod(IMethodSymbol symbol, string name)
    {
        public IMethodSymbol Symbol { get; } = symbol;

        public string Name { get; } = name;
    }
}
