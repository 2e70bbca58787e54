using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SignalRLite.Analyzers.Generators;

/// <summary>
/// Writes a class implementing a <c>Hub&lt;T&gt;</c> / <c>IHubContext&lt;THub, T&gt;</c> client interface the way
/// TypedClientProxy (the DispatchProxy of the reflection path) behaves: a method returning <c>Task</c> becomes
/// <c>SendCoreAsync(name, args, token)</c>, one returning <c>Task&lt;TResult&gt;</c> a client-result
/// <c>InvokeCoreAsync&lt;TResult&gt;</c> on a single client (the same error otherwise); the first
/// <c>CancellationToken</c> parameter is the token and is not sent; <c>[HubMethodName]</c> names the method.
/// Null for an interface the runtime refuses (SRL0006-SRL0008) or that generated code cannot implement.
/// </summary>
internal static class ClientProxyWriter
{
    /// <summary>The class (named <paramref name="className"/>); null when not generated.</summary>
    public static string? Write(ITypeSymbol client, string className, GeneratorTypes types)
    {
        if (client is not INamedTypeSymbol { TypeKind: TypeKind.Interface } type || !types.CanName(type))
        {
            return null;
        }

        var interfaceName = GeneratorTypes.Name(type);
        var members = new StringBuilder();
        foreach (var declaring in new[] { type }.Concat(type.AllInterfaces))
        {
            foreach (var member in declaring.GetMembers())
            {
                if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary, IsStatic: false, IsAbstract: true } method)
                {
                    var text = Method(method, declaring, types);
                    if (text is null)
                    {
                        return null;
                    }

                    members.Append(text);
                }
                else
                {
                    // Properties, events, static or default-implemented methods, nested types: the reflection path
                    // validates or refuses those; this generator does not implement them.
                    return null;
                }
            }
        }

        var code = new StringBuilder();
        code.Append("        private sealed class ").Append(className).Append(" : ").Append(interfaceName).Append('\n');
        code.Append("        {\n");
        code.Append("            private readonly global::SignalRLite.IClientProxy _proxy;\n\n");
        code.Append("            public ").Append(className).Append("(global::SignalRLite.IClientProxy proxy) => _proxy = proxy;\n");
        code.Append(members);
        code.Append("        }\n");
        return code.ToString();
    }

    private static string? Method(IMethodSymbol method, INamedTypeSymbol declaring, GeneratorTypes types)
    {
        var returnsResult = GeneratorTypes.IsConstructedFrom(method.ReturnType, types.TaskOfT);
        if (method.IsGenericMethod || !GeneratorTypes.CanCall(method) || method.ReturnsByRef || method.ReturnsByRefReadonly
            || !(GeneratorTypes.Is(method.ReturnType, types.Task) || returnsResult) || !types.CanName(method.ReturnType))
        {
            return null;
        }

        var parameters = new List<string>();
        var sent = new List<string>();
        var token = "default";
        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var p = method.Parameters[i];
            if (p.RefKind != RefKind.None || !types.CanName(p.Type))
            {
                return null;
            }

            var name = "p" + i;
            parameters.Add(GeneratorTypes.Name(p.Type) + " " + name);
            if (token == "default" && GeneratorTypes.Is(p.Type, types.CancellationToken))
            {
                token = name;
            }
            else
            {
                sent.Add(name);
            }
        }

        var hubMethodName = SymbolDisplay.FormatLiteral(types.Known.HubMethodNameOf(method) ?? method.Name, quote: true);
        var args = "new object[] { " + string.Join(", ", sent) + " }";
        var body = returnsResult
            ? "global::SignalRLite.SourceGeneration.GeneratedHubSupport.InvokeClientAsync<" + GeneratorTypes.Name(((INamedTypeSymbol)method.ReturnType).TypeArguments[0]) + ">(_proxy, " + hubMethodName + ", " + args + ", " + token + ")"
            : "_proxy.SendCoreAsync(" + hubMethodName + ", " + args + ", " + token + ")";
        return "\n            " + GeneratorTypes.Name(method.ReturnType) + " " + GeneratorTypes.Name(declaring) + "." + Identifier(method.Name)
            + "(" + string.Join(", ", parameters) + ") =>\n                " + body + ";\n";
    }

    public static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;
}
