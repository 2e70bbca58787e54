using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SignalRLite.Analyzers.MessagePack;

/// <summary>Names and literals in the generated MessagePack code.</summary>
internal static class GeneratorNames
{
    /// <summary>A class name unique per type: its full name with every non-identifier character replaced.</summary>
    public static string FormatterClass(INamedTypeSymbol type, string suffix)
    {
        var name = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty);
        var builder = new StringBuilder(name.Length + suffix.Length + 1);
        foreach (var c in name)
        {
            builder.Append(char.IsLetterOrDigit(c) ? c : '_');
        }

        return builder.Append('_').Append(suffix).ToString();
    }

    public static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);
}
