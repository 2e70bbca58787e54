using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace SignalRLite.Analyzers.MessagePack;

/// <summary>
/// The formatter of one enum, written the way the protocol's JIT defaults write it (a name, read back from a name or a
/// number): for each value the name of the last field declared with it, or its <c>[EnumMember(Value)]</c>; any other
/// value (flag combinations, undefined numbers) as <see cref="Enum.ToString()"/>. Reading: a number is cast, a
/// known name or <c>[EnumMember]</c> value mapped, anything else given to <c>Enum.Parse&lt;T&gt;</c>.
/// </summary>
internal static class EnumFormatterEmitter
{
    public static FormatterEntry Create(INamedTypeSymbol enumType)
    {
        var typeName = MessagePackTypeWalker.Name(enumType);
        var className = GeneratorNames.FormatterClass(enumType, "EnumFormatter");
        var unsigned = enumType.EnumUnderlyingType?.SpecialType is SpecialType.System_Byte or SpecialType.System_UInt16 or SpecialType.System_UInt32 or SpecialType.System_UInt64;
        var fields = enumType.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).ToList();

        // Value -> written name: the last declared field wins, as in a dictionary filled in declaration order.
        var written = new Dictionary<string, string>();
        var order = new List<string>();
        var read = new List<(string Name, string Field)>();
        foreach (var field in fields)
        {
            var value = unsigned
                ? Convert.ToUInt64(field.ConstantValue, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) + "UL"
                : Convert.ToInt64(field.ConstantValue, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) + "L";
            var name = EnumMemberValue(field) ?? field.Name;
            if (!written.ContainsKey(value))
            {
                order.Add(value);
            }

            written[value] = name;
            read.Add((field.Name, field.Name));
            if (name != field.Name)
            {
                read.Add((name, field.Name));
            }
        }

        var code = new StringBuilder();
        code.Append("    internal sealed class ").Append(className).Append(" : global::MessagePack.Formatters.IMessagePackFormatter<").Append(typeName).AppendLine(">");
        code.AppendLine("    {");
        code.Append("        public void Serialize(ref global::MessagePack.MessagePackWriter writer, ").Append(typeName).AppendLine(" value, global::MessagePack.MessagePackSerializerOptions options)");
        code.AppendLine("        {");
        code.Append("            switch ((").Append(unsigned ? "ulong" : "long").AppendLine(")value)");
        code.AppendLine("            {");
        foreach (var value in order)
        {
            code.Append("                case ").Append(value).Append(": writer.Write(").Append(GeneratorNames.Literal(written[value])).AppendLine("); return;");
        }

        code.AppendLine("            }");
        code.AppendLine();
        code.AppendLine("            writer.Write(value.ToString());");
        code.AppendLine("        }");
        code.AppendLine();
        code.Append("        public ").Append(typeName).AppendLine(" Deserialize(ref global::MessagePack.MessagePackReader reader, global::MessagePack.MessagePackSerializerOptions options)");
        code.AppendLine("        {");
        code.AppendLine("            if (reader.NextMessagePackType == global::MessagePack.MessagePackType.Integer)");
        code.AppendLine("            {");
        code.Append("                return reader.NextCode == global::MessagePack.MessagePackCode.UInt64 ? (").Append(typeName).Append(")reader.ReadUInt64() : (").Append(typeName).AppendLine(")reader.ReadInt64();");
        code.AppendLine("            }");
        code.AppendLine();
        code.AppendLine("            var name = reader.ReadString();");
        code.AppendLine("            switch (name)");
        code.AppendLine("            {");
        var seen = new HashSet<string>();
        foreach (var (name, field) in read)
        {
            if (seen.Add(name))
            {
                code.Append("                case ").Append(GeneratorNames.Literal(name)).Append(": return ").Append(typeName).Append('.').Append(field).AppendLine(";");
            }
        }

        code.AppendLine("            }");
        code.AppendLine();
        code.Append("            return global::System.Enum.Parse<").Append(typeName).AppendLine(">(name!);");
        code.AppendLine("        }");
        code.AppendLine("    }");
        return new FormatterEntry(typeName, $"new {className}()", code.ToString());
    }

    private static string? EnumMemberValue(IFieldSymbol field)
    {
        foreach (var attribute in field.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == "System.Runtime.Serialization.EnumMemberAttribute")
            {
                foreach (var argument in attribute.NamedArguments)
                {
                    if (argument.Key == "Value" && argument.Value.Value is string value)
                    {
                        return value;
                    }
                }
            }
        }

        return null;
    }
}
