using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using SignalRLite.Analyzers.Generators;

namespace SignalRLite.Analyzers.Tests.Generator;

/// <summary>
/// Runs <see cref="HubGenerator"/> on a source compiled against this process's framework and SignalRLite.dll (the
/// references of <see cref="Verify"/>), and compares generated files with the checked-in snapshots next to this file.
/// Set SIGNALRLITE_UPDATE_SNAPSHOTS=1 to rewrite the snapshots (then review the diff).
/// </summary>
internal static class GeneratorRunner
{
    public sealed record Result(string? Source, CSharpCompilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics);

    public static Result Run(string source, IReadOnlyDictionary<string, string>? buildProperties = null)
    {
        var compilation = CSharpCompilation.Create(
            "GeneratorInput",
            [CSharpSyntaxTree.ParseText(Verify.Usings + source, new CSharpParseOptions(LanguageVersion.Latest), path: "Input.cs")],
            Verify.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var options = new Options(buildProperties ?? new Dictionary<string, string>());
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new HubGenerator().AsSourceGenerator()], optionsProvider: options, parseOptions: new CSharpParseOptions(LanguageVersion.Latest));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var generated = driver.GetRunResult().GeneratedTrees.SingleOrDefault(t => t.FilePath.EndsWith(HubGenerator.HintName, StringComparison.Ordinal));
        return new Result(generated?.GetText().ToString(), (CSharpCompilation)output, diagnostics);
    }

    /// <summary>Asserts that <paramref name="actual"/> equals the snapshot <paramref name="name"/> (or rewrites it).</summary>
    public static void MatchesSnapshot(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots", name);
        var normalized = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("SIGNALRLITE_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, normalized);
        }

        Assert.True(File.Exists(path), $"No snapshot {path}: run with SIGNALRLITE_UPDATE_SNAPSHOTS=1 and review it.");
        Assert.Equal(File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal), normalized);
    }

    /// <summary>Warnings and errors of the compilation including the generated file.</summary>
    public static IEnumerable<Diagnostic> Problems(Result result) =>
        result.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning);

    private sealed class Options(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(properties);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Values.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Values.Empty;
    }

    private sealed class Values(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptions
    {
        public static readonly Values Empty = new(new Dictionary<string, string>());

        public override bool TryGetValue(string key, out string value)
        {
            if (key.StartsWith("build_property.", StringComparison.Ordinal) && properties.TryGetValue(key["build_property.".Length..], out var v))
            {
                value = v;
                return true;
            }

            value = null!;
            return false;
        }
    }
}
