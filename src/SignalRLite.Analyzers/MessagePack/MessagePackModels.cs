using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace SignalRLite.Analyzers.MessagePack;

/// <summary>One entry of the generated resolver: a type, the expression creating its formatter, and the formatter
/// class to emit (empty when the formatter is one of MessagePack-CSharp's own generic formatters).</summary>
internal sealed class FormatterEntry : IEquatable<FormatterEntry>
{
    public FormatterEntry(string typeName, string creation, string classCode)
    {
        TypeName = typeName;
        Creation = creation;
        ClassCode = classCode;
    }

    public string TypeName { get; }

    public string Creation { get; }

    public string ClassCode { get; }

    public bool Equals(FormatterEntry? other)
        => other is not null && TypeName == other.TypeName && Creation == other.Creation && ClassCode == other.ClassCode;

    public override bool Equals(object? obj) => Equals(obj as FormatterEntry);

    public override int GetHashCode() => TypeName.GetHashCode() ^ ClassCode.Length;
}

/// <summary>A diagnostic to report, kept as data (descriptor id, location, message arguments).</summary>
internal sealed class DiagnosticInfo : IEquatable<DiagnosticInfo>
{
    public DiagnosticInfo(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
    {
        Descriptor = descriptor;
        Location = location;
        Arguments = string.Join("\u0001", arguments);
    }

    public DiagnosticDescriptor Descriptor { get; }

    public Location? Location { get; }

    public string Arguments { get; }

    public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor, Location, Arguments.Split('\u0001'));

    public bool Equals(DiagnosticInfo? other)
        => other is not null && Descriptor.Id == other.Descriptor.Id && Equals(Location, other.Location) && Arguments == other.Arguments;

    public override bool Equals(object? obj) => Equals(obj as DiagnosticInfo);

    public override int GetHashCode() => Descriptor.Id.GetHashCode() ^ Arguments.GetHashCode();
}

/// <summary>What one declaration contributes: types to register for run-time (boxed) use, resolver entries, diagnostics.</summary>
internal sealed class GeneratorPiece : IEquatable<GeneratorPiece>
{
    public GeneratorPiece(ImmutableArray<string> registrations, ImmutableArray<FormatterEntry> entries, ImmutableArray<DiagnosticInfo> diagnostics)
    {
        Registrations = new EquatableArray<string>(registrations);
        Entries = new EquatableArray<FormatterEntry>(entries);
        Diagnostics = new EquatableArray<DiagnosticInfo>(diagnostics);
    }

    public EquatableArray<string> Registrations { get; }

    public EquatableArray<FormatterEntry> Entries { get; }

    public EquatableArray<DiagnosticInfo> Diagnostics { get; }

    public bool Equals(GeneratorPiece? other)
        => other is not null && Registrations.Equals(other.Registrations) && Entries.Equals(other.Entries) && Diagnostics.Equals(other.Diagnostics);

    public override bool Equals(object? obj) => Equals(obj as GeneratorPiece);

    public override int GetHashCode() => Registrations.GetHashCode() ^ Entries.GetHashCode();
}
