using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SignalRLite.Analyzers.MessagePack;

/// <summary>
/// Generates what the MessagePack hub protocol needs under Native AOT, in an app that references
/// SignalRLite.Protocols.MessagePack: formatters for its <c>[MessagePackObject]</c> types and for the types its hubs
/// take and return (enums, collections, attribute-less classes), in a resolver that registers itself with
/// <c>MessagePackAot.RegisterResolver</c> from a module initializer, together with <c>MessagePackAot.Register&lt;T&gt;()</c>
/// for every hub parameter, result, stream item and client-method argument type and every type it writes a formatter for. The formatters write exactly the bytes
/// MessagePack-CSharp's dynamic resolvers write for the protocol's JIT defaults; they are only used where dynamic code
/// is not supported (or where an app passes <c>MessagePackAot.SerializerOptions</c>).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class MessagePackFormatterGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var enabled = context.CompilationProvider.Select(static (compilation, _) =>
            compilation.GetTypeByMetadataName("SignalRLite.MessagePackAot") is not null
            && compilation.GetTypeByMetadataName("MessagePack.MessagePackObjectAttribute") is not null);

        var objects = context.SyntaxProvider.ForAttributeWithMetadataName(
            "MessagePack.MessagePackObjectAttribute",
            static (node, _) => node is TypeDeclarationSyntax,
            static (ctx, ct) => FromObject((INamedTypeSymbol)ctx.TargetSymbol, ctx.SemanticModel.Compilation, ct)).Collect();

        var hubs = context.SyntaxProvider.CreateSyntaxProvider(
            static (node, _) => node is ClassDeclarationSyntax { BaseList: not null },
            static (ctx, ct) => FromHub(ctx, ct)).Where(static piece => piece is not null).Collect();

        context.RegisterSourceOutput(enabled.Combine(objects).Combine(hubs), static (spc, input) =>
        {
            var ((isEnabled, objectPieces), hubPieces) = input;
            if (!isEnabled)
            {
                return;
            }

            var pieces = objectPieces.Concat(hubPieces.Select(p => p!)).ToList();
            foreach (var diagnostic in pieces.SelectMany(p => p.Diagnostics).Distinct())
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            // Every type with a generated formatter is registered too, so it also works as a SendAsync argument.
            var source = GeneratedResolverWriter.Write(
                pieces.SelectMany(p => p.Registrations).Concat(pieces.SelectMany(p => p.Entries).Select(e => e.TypeName))
                    .Distinct().OrderBy(n => n, System.StringComparer.Ordinal).ToList(),
                pieces.SelectMany(p => p.Entries).GroupBy(e => e.TypeName).Select(g => g.First()).OrderBy(e => e.TypeName, System.StringComparer.Ordinal).ToList());
            if (source is not null)
            {
                spc.AddSource("SignalRLite.MessagePack.g.cs", source);
            }
        });
    }

    private static GeneratorPiece FromObject(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!MessagePackTypeWalker.IsUsable(type))
        {
            // Generic or inaccessible: the walker would pass it by; the emitter says why (SRL0030).
            var refused = ObjectFormatterEmitter.Create(type);
            return new GeneratorPiece(ImmutableArray<string>.Empty, ImmutableArray<FormatterEntry>.Empty, refused.Diagnostics);
        }

        var walker = new MessagePackTypeWalker(compilation);
        walker.Visit(type);
        return new GeneratorPiece(ImmutableArray<string>.Empty, walker.Entries, walker.Diagnostics);
    }

    private static GeneratorPiece? FromHub(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.SemanticModel.GetDeclaredSymbol(context.Node, cancellationToken) is not INamedTypeSymbol { IsAbstract: false } hub
            || !IsHub(hub, out var clientType))
        {
            return null;
        }

        var types = new List<ITypeSymbol>();
        for (var t = hub; t is not null && !IsFrameworkBase(t); t = t.BaseType)
        {
            foreach (var method in t.GetMembers().OfType<IMethodSymbol>())
            {
                if (method is { MethodKind: MethodKind.Ordinary, DeclaredAccessibility: Accessibility.Public, IsStatic: false, IsGenericMethod: false })
                {
                    AddSignature(method, types, isClient: false);
                }
            }
        }

        if (clientType is INamedTypeSymbol { TypeKind: TypeKind.Interface } client)
        {
            foreach (var method in client.GetMembers().Concat(client.AllInterfaces.SelectMany(i => i.GetMembers())).OfType<IMethodSymbol>())
            {
                AddSignature(method, types, isClient: true);
            }
        }

        var walker = new MessagePackTypeWalker(context.SemanticModel.Compilation);
        var registrations = new List<string>();
        foreach (var type in types)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (MessagePackTypeWalker.IsUsable(type) && type.TypeKind != TypeKind.Interface || IsCollectionInterface(type))
            {
                registrations.Add(MessagePackTypeWalker.Name(type));
                walker.Visit(type);
            }
        }

        // Diagnostics of [MessagePackObject] types are reported once, by the object pipeline.
        return new GeneratorPiece(registrations.Distinct().ToImmutableArray(), walker.Entries, ImmutableArray<DiagnosticInfo>.Empty);
    }

    private static void AddSignature(IMethodSymbol method, List<ITypeSymbol> types, bool isClient)
    {
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None || parameter.Type.ToDisplayString() == "System.Threading.CancellationToken"
                || parameter.GetAttributes().Any(a => a.AttributeClass?.Name is "FromServicesAttribute" or "FromKeyedServicesAttribute"))
            {
                continue;
            }

            types.Add(Unwrap(parameter.Type, "System.Collections.Generic.IAsyncEnumerable<T>", "System.Threading.Channels.ChannelReader<T>"));
        }

        if (method.ReturnsVoid || method.ReturnsByRef)
        {
            return;
        }

        var returned = method.ReturnType;
        var definition = returned.OriginalDefinition.ToDisplayString();
        if (definition is "System.Threading.Tasks.Task" or "System.Threading.Tasks.ValueTask")
        {
            return;
        }

        types.Add(isClient
            ? Unwrap(returned, "System.Threading.Tasks.Task<TResult>")
            : Unwrap(returned, "System.Threading.Tasks.Task<TResult>", "System.Threading.Tasks.ValueTask<TResult>", "System.Collections.Generic.IAsyncEnumerable<T>", "System.Threading.Channels.ChannelReader<T>"));
    }

    private static ITypeSymbol Unwrap(ITypeSymbol type, params string[] wrappers)
        => type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named && wrappers.Contains(named.OriginalDefinition.ToDisplayString())
            ? named.TypeArguments[0]
            : type;

    private static bool IsCollectionInterface(ITypeSymbol type)
        => type is INamedTypeSymbol { TypeKind: TypeKind.Interface, IsGenericType: true } named
            && MessagePackTypeWalker.IsUsable(named) && named.ContainingNamespace.ToDisplayString() == "System.Collections.Generic";

    private static bool IsHub(INamedTypeSymbol type, out ITypeSymbol? clientType)
    {
        clientType = null;
        var isHub = false;
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            var name = t.OriginalDefinition.ToDisplayString();
            if (name == "SignalRLite.Hub<T>")
            {
                clientType = t.TypeArguments[0];
            }

            isHub |= name == "SignalRLite.Hub";
        }

        return isHub;
    }

    private static bool IsFrameworkBase(INamedTypeSymbol type)
        => type.SpecialType == SpecialType.System_Object || type.OriginalDefinition.ToDisplayString() is "SignalRLite.Hub" or "SignalRLite.Hub<T>";
}

/// <summary>The generated file: the resolver, the module initializer and the formatter classes.</summary>
internal static class GeneratedResolverWriter
{
    public static string? Write(List<string> registrations, List<FormatterEntry> entries)
    {
        if (registrations.Count == 0 && entries.Count == 0)
        {
            return null;
        }

        var code = new StringBuilder();
        code.AppendLine("// <auto-generated/> by SignalRLite.Analyzers (MessagePackFormatterGenerator): MessagePack formatters for Native AOT.");
        code.AppendLine("#nullable disable");
        code.AppendLine("#pragma warning disable");
        code.AppendLine();
        code.AppendLine("namespace SignalRLite.Generated.MessagePack");
        code.AppendLine("{");
        code.AppendLine("    /// <summary>Registers the generated formatters and the hub types with <see cref=\"global::SignalRLite.MessagePackAot\"/>.</summary>");
        code.AppendLine("    internal static class GeneratedMessagePackRegistration");
        code.AppendLine("    {");
        code.AppendLine("        [global::System.Runtime.CompilerServices.ModuleInitializer]");
        code.AppendLine("        internal static void Initialize()");
        code.AppendLine("        {");
        code.AppendLine("            global::SignalRLite.MessagePackAot.RegisterResolver(GeneratedMessagePackResolver.Instance);");
        foreach (var type in registrations)
        {
            code.Append("            global::SignalRLite.MessagePackAot.Register<").Append(type).AppendLine(">();");
        }

        code.AppendLine("        }");
        code.AppendLine("    }");
        code.AppendLine();
        code.AppendLine("    /// <summary>The formatters of this assembly's MessagePack types, created without reflection.</summary>");
        code.AppendLine("    internal sealed class GeneratedMessagePackResolver : global::MessagePack.IFormatterResolver");
        code.AppendLine("    {");
        code.AppendLine("        public static readonly GeneratedMessagePackResolver Instance = new GeneratedMessagePackResolver();");
        code.AppendLine();
        code.AppendLine("        private GeneratedMessagePackResolver()");
        code.AppendLine("        {");
        code.AppendLine("        }");
        code.AppendLine();
        code.AppendLine("        public global::MessagePack.Formatters.IMessagePackFormatter<T> GetFormatter<T>() => Cache<T>.Formatter;");
        code.AppendLine();
        code.AppendLine("        private static class Cache<T>");
        code.AppendLine("        {");
        code.AppendLine("            public static readonly global::MessagePack.Formatters.IMessagePackFormatter<T> Formatter = (global::MessagePack.Formatters.IMessagePackFormatter<T>)Create(typeof(T));");
        code.AppendLine("        }");
        code.AppendLine();
        code.AppendLine("        private static object Create(global::System.Type type)");
        code.AppendLine("        {");
        foreach (var entry in entries)
        {
            code.Append("            if (type == typeof(").Append(entry.TypeName).Append(")) return ").Append(entry.Creation).AppendLine(";");
        }

        code.AppendLine("            return null;");
        code.AppendLine("        }");
        code.AppendLine("    }");
        foreach (var entry in entries.Where(e => e.ClassCode.Length > 0))
        {
            code.AppendLine();
            code.Append(entry.ClassCode);
        }

        code.AppendLine("}");
        return code.ToString();
    }
}
