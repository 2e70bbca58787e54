using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SignalRLite.Analyzers.Generators;

/// <summary>
/// Generates, for every concrete hub class of the compilation, its method table with direct invokers and its factory,
/// and for every <c>Hub&lt;T&gt;</c> / <c>IHubContext&lt;THub, T&gt;</c> client interface a proxy class; all registered
/// from a module initializer through <c>SignalRLite.SourceGeneration.GeneratedHubs</c>, where the runtime looks them
/// up (docs/aot.md). Turned off with the MSBuild property <c>SignalRLiteGenerateHubs=false</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class HubGenerator : IIncrementalGenerator
{
    /// <summary>The generated file's name.</summary>
    public const string HintName = "SignalRLite.GeneratedHubs.g.cs";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var enabled = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            !options.GlobalOptions.TryGetValue("build_property.SignalRLiteGenerateHubs", out var value)
            || !string.Equals(value.Trim(), "false", StringComparison.OrdinalIgnoreCase));

        // Per class: (hub name, registration expression or null, client interface name, proxy class with a placeholder name).
        var hubs = context.SyntaxProvider.CreateSyntaxProvider(
            static (node, _) => node is ClassDeclarationSyntax { BaseList: not null },
            static (ctx, ct) => DescribeHub(ctx, ct))
            .Where(static h => h.Hub is not null);

        var contexts = context.SyntaxProvider.CreateSyntaxProvider(
            static (node, _) => node is GenericNameSyntax { Identifier.ValueText: "IHubContext", TypeArgumentList.Arguments.Count: 2 },
            static (ctx, ct) => DescribeHubContext(ctx, ct))
            .Where(static c => c.Client is not null);

        var all = hubs.Collect().Combine(contexts.Collect()).Combine(enabled).Combine(context.CompilationProvider.Select(static (c, _) =>
            c.GetTypeByMetadataName("System.Runtime.CompilerServices.ModuleInitializerAttribute") is not null
            && c.GetTypeByMetadataName("SignalRLite.SourceGeneration.GeneratedHubs") is not null));
        context.RegisterSourceOutput(all, static (spc, input) =>
        {
            var (((hubList, contextList), isEnabled), canRegister) = input;
            if (isEnabled && canRegister)
            {
                var source = Render(hubList, contextList);
                if (source is not null)
                {
                    spc.AddSource(HintName, source);
                }
            }
        });
    }

    private static (string? Hub, string? Registration, string? Client, string? Proxy) DescribeHub(GeneratorSyntaxContext ctx, CancellationToken ct)
    {
        if (ctx.SemanticModel.GetDeclaredSymbol(ctx.Node, ct) is not INamedTypeSymbol type
            || KnownTypes.TryCreate(ctx.SemanticModel.Compilation) is not { } known || !known.IsHub(type))
        {
            return default;
        }

        var types = new GeneratorTypes(ctx.SemanticModel.Compilation, known);
        var registration = HubSourceWriter.Write(type, types);
        var client = type.IsAbstract ? null : known.ClientTypeOf(type.BaseType);
        var proxy = client is null ? null : ClientProxyWriter.Write(client, Placeholder, types);
        return (GeneratorTypes.Name(type), registration, proxy is null ? null : GeneratorTypes.Name(client!), proxy);
    }

    private static (string? Client, string? Proxy) DescribeHubContext(GeneratorSyntaxContext ctx, CancellationToken ct)
    {
        if (ctx.SemanticModel.GetTypeInfo(ctx.Node, ct).Type is not INamedTypeSymbol { TypeArguments.Length: 2 } type
            || KnownTypes.TryCreate(ctx.SemanticModel.Compilation) is not { } known)
        {
            return default;
        }

        var types = new GeneratorTypes(ctx.SemanticModel.Compilation, known);
        if (!GeneratorTypes.IsConstructedFrom(type, types.HubContextOfT) || type.TypeArguments[1] is not INamedTypeSymbol client)
        {
            return default;
        }

        var proxy = ClientProxyWriter.Write(client, Placeholder, types);
        return proxy is null ? default : (GeneratorTypes.Name(client), proxy);
    }

    private const string Placeholder = "__SignalRLiteProxy__";

    private static string? Render(
        ImmutableArray<(string? Hub, string? Registration, string? Client, string? Proxy)> hubs,
        ImmutableArray<(string? Client, string? Proxy)> contexts)
    {
        // A partial class is seen once per declaration: one entry per hub, in a stable order.
        var registrations = hubs.Where(h => h.Registration is not null)
            .GroupBy(h => h.Hub!, StringComparer.Ordinal).Select(g => g.First())
            .OrderBy(h => h.Hub, StringComparer.Ordinal).ToList();
        var proxies = hubs.Where(h => h.Proxy is not null).Select(h => (h.Client, h.Proxy))
            .Concat(contexts)
            .GroupBy(p => p.Client!, StringComparer.Ordinal).Select(g => g.First())
            .OrderBy(p => p.Client, StringComparer.Ordinal).ToList();
        if (registrations.Count == 0 && proxies.Count == 0)
        {
            return null;
        }

        var code = new StringBuilder();
        code.Append("// <auto-generated/>\n");
        code.Append("// SignalRLite hub source generator: method tables, invokers, factories and client proxies (docs/aot.md).\n");
        code.Append("#nullable disable\n");
        // [Obsolete] hub methods, constructors and client methods are still called (as the reflection path does).
        code.Append("#pragma warning disable CS0612, CS0618\n\n");
        code.Append("namespace SignalRLite.Generated\n{\n");
        code.Append("    [global::System.CodeDom.Compiler.GeneratedCode(\"SignalRLite.Analyzers\", \"1.0\")]\n");
        code.Append("    internal static class SignalRLiteGeneratedHubs\n    {\n");
        code.Append("        [global::System.Runtime.CompilerServices.ModuleInitializer]\n");
        code.Append("        internal static void Register()\n        {\n");
        foreach (var hub in registrations)
        {
            code.Append("            global::SignalRLite.SourceGeneration.GeneratedHubs.RegisterHub<").Append(hub.Hub).Append(">(\n                ")
                .Append(hub.Registration).Append(");\n");
        }

        for (var i = 0; i < proxies.Count; i++)
        {
            code.Append("            global::SignalRLite.SourceGeneration.GeneratedHubs.RegisterClientProxy<").Append(proxies[i].Client)
                .Append(">(static proxy => new ClientProxy").Append(i).Append("(proxy));\n");
        }

        code.Append("        }\n");
        for (var i = 0; i < proxies.Count; i++)
        {
            code.Append('\n').Append(proxies[i].Proxy!.Replace(Placeholder, "ClientProxy" + i));
        }

        code.Append("    }\n}\n");
        return code.ToString();
    }
}
