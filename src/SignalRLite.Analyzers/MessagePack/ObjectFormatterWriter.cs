using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace SignalRLite.Analyzers.MessagePack;

/// <summary>
/// Writes the C# of one object formatter: each member through the formatter the options' resolver gives for its type
/// (as the dynamic formatter does), nil for a null reference, the serializer's depth limit on reading, unknown keys
/// and extra array elements skipped, a member missing from the data left as the constructor set it.
/// </summary>
internal static class ObjectFormatterWriter
{
    private const string Resolver = "global::MessagePack.FormatterResolverExtensions.GetFormatterWithVerify";

    public static string Write(INamedTypeSymbol type, string typeName, ObjectLayout layout, List<ObjectMember> members, int arrayLength, IMethodSymbol? constructor)
    {
        var className = GeneratorNames.FormatterClass(type, "Formatter");
        var isClass = type.TypeKind == TypeKind.Class;
        var callbacks = type.AllInterfaces.Any(i => i.ToDisplayString() == "MessagePack.IMessagePackSerializationCallbackReceiver");
        var code = new StringBuilder();
        code.Append("    internal sealed class ").Append(className).Append(" : global::MessagePack.Formatters.IMessagePackFormatter<").Append(typeName).AppendLine(">");
        code.AppendLine("    {");

        // Serialize
        code.Append("        public void Serialize(ref global::MessagePack.MessagePackWriter writer, ").Append(typeName).AppendLine(" value, global::MessagePack.MessagePackSerializerOptions options)");
        code.AppendLine("        {");
        if (isClass)
        {
            code.AppendLine("            if (value is null)");
            code.AppendLine("            {");
            code.AppendLine("                writer.WriteNil();");
            code.AppendLine("                return;");
            code.AppendLine("            }");
            code.AppendLine();
        }

        if (callbacks)
        {
            code.AppendLine("            ((global::MessagePack.IMessagePackSerializationCallbackReceiver)value).OnBeforeSerialize();");
        }

        code.AppendLine("            var resolver = options.Resolver;");
        if (layout == ObjectLayout.IntKeys)
        {
            code.Append("            writer.WriteArrayHeader(").Append(arrayLength).AppendLine(");");
            var byKey = members.ToDictionary(m => m.IntKey!.Value);
            for (var i = 0; i < arrayLength; i++)
            {
                if (byKey.TryGetValue(i, out var member))
                {
                    AppendWriteValue(code, member);
                }
                else
                {
                    code.AppendLine("            writer.WriteNil();");
                }
            }
        }
        else
        {
            code.Append("            writer.WriteMapHeader(").Append(members.Count).AppendLine(");");
            foreach (var member in members)
            {
                code.Append("            writer.Write(").Append(GeneratorNames.Literal(Key(layout, member))).AppendLine(");");
                AppendWriteValue(code, member);
            }
        }

        code.AppendLine("        }");
        code.AppendLine();

        // Deserialize
        code.Append("        public ").Append(typeName).AppendLine(" Deserialize(ref global::MessagePack.MessagePackReader reader, global::MessagePack.MessagePackSerializerOptions options)");
        code.AppendLine("        {");
        if (isClass)
        {
            code.AppendLine("            if (reader.TryReadNil())");
            code.AppendLine("            {");
            code.AppendLine("                return null;");
            code.AppendLine("            }");
            code.AppendLine();
        }

        code.AppendLine("            options.Security.DepthStep(ref reader);");
        code.AppendLine("            try");
        code.AppendLine("            {");
        code.AppendLine("                var resolver = options.Resolver;");
        for (var i = 0; i < members.Count; i++)
        {
            code.Append("                ").Append(MessagePackTypeWalker.Name(members[i].Type)).Append(" __v").Append(i).AppendLine(" = default;");
            code.Append("                bool __s").Append(i).AppendLine(" = false;");
        }

        if (layout == ObjectLayout.IntKeys)
        {
            code.AppendLine("                var count = reader.ReadArrayHeader();");
            code.AppendLine("                for (var i = 0; i < count; i++)");
            code.AppendLine("                {");
            code.AppendLine("                    switch (i)");
            code.AppendLine("                    {");
            for (var i = 0; i < members.Count; i++)
            {
                code.Append("                        case ").Append(members[i].IntKey!.Value).AppendLine(":");
                AppendReadValue(code, members[i], i);
            }
        }
        else
        {
            code.AppendLine("                var count = reader.ReadMapHeader();");
            code.AppendLine("                for (var i = 0; i < count; i++)");
            code.AppendLine("                {");
            code.AppendLine("                    switch (reader.ReadString())");
            code.AppendLine("                    {");
            for (var i = 0; i < members.Count; i++)
            {
                code.Append("                        case ").Append(GeneratorNames.Literal(Key(layout, members[i]))).AppendLine(":");
                AppendReadValue(code, members[i], i);
            }
        }

        code.AppendLine("                        default:");
        code.AppendLine("                            reader.Skip();");
        code.AppendLine("                            break;");
        code.AppendLine("                    }");
        code.AppendLine("                }");
        code.AppendLine();
        AppendConstruction(code, typeName, members, constructor);
        if (callbacks)
        {
            code.AppendLine("                ((global::MessagePack.IMessagePackSerializationCallbackReceiver)result).OnAfterDeserialize();");
        }

        code.AppendLine("                return result;");
        code.AppendLine("            }");
        code.AppendLine("            finally");
        code.AppendLine("            {");
        code.AppendLine("                reader.Depth--;");
        code.AppendLine("            }");
        code.AppendLine("        }");
        code.AppendLine("    }");
        return code.ToString();
    }

    private static string Key(ObjectLayout layout, ObjectMember member) => layout == ObjectLayout.StringKeys ? member.StringKey! : member.Name;

    private static void AppendWriteValue(StringBuilder code, ObjectMember member)
        => code.Append("            ").Append(Resolver).Append('<').Append(MessagePackTypeWalker.Name(member.Type))
            .Append(">(resolver).Serialize(ref writer, value.").Append(ObjectFormatterEmitter.Identifier(member.Name)).AppendLine(", options);");

    private static void AppendReadValue(StringBuilder code, ObjectMember member, int index)
    {
        code.Append("                            __v").Append(index).Append(" = ").Append(Resolver).Append('<').Append(MessagePackTypeWalker.Name(member.Type))
            .AppendLine(">(resolver).Deserialize(ref reader, options);");
        code.Append("                            __s").Append(index).AppendLine(" = true;");
        code.AppendLine("                            break;");
    }

    private static void AppendConstruction(StringBuilder code, string typeName, List<ObjectMember> members, IMethodSymbol? constructor)
    {
        var arguments = constructor is null
            ? string.Empty
            : string.Join(", ", constructor.Parameters.Select(p => "__v" + members.FindIndex(m => m.ConstructorIndex == p.Ordinal)));
        code.Append("                var result = new ").Append(typeName).Append('(').Append(arguments).Append(')');

        // Init-only members can only be set in the initializer: they get the value read, or the default when absent.
        // A required member is set there even when a constructor parameter has set it (C# demands it).
        var initOnly = members.Select((m, i) => (m, i))
            .Where(x => x.m.IsInitOnly && (x.m.ConstructorIndex < 0 || x.m.Symbol is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true })).ToList();
        if (initOnly.Count > 0)
        {
            code.Append(" { ").Append(string.Join(", ", initOnly.Select(x => ObjectFormatterEmitter.Identifier(x.m.Name) + " = __v" + x.i))).Append(" }");
        }

        code.AppendLine(";");
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (member.IsWritable && !member.IsInitOnly && member.ConstructorIndex < 0)
            {
                code.Append("                if (__s").Append(i).Append(") result.").Append(ObjectFormatterEmitter.Identifier(member.Name)).Append(" = __v").Append(i).AppendLine(";");
            }
        }
    }
}
