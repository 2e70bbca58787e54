using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace SignalRLite.Analyzers.Tests;

/// <summary>
/// Runs <see cref="HubAnalyzer"/> on a source with <c>{|SRL000N:span|}</c> markup and checks that exactly the marked
/// diagnostics are reported (and that the source otherwise compiles). References are this test process's own
/// framework and SignalRLite assemblies, so nothing is downloaded.
/// </summary>
internal static class Verify
{
    /// <summary>The running framework's assemblies and SignalRLite.dll.</summary>
    public static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var f
                && (f.StartsWith("System.", StringComparison.Ordinal) || f.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal)
                    || f.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || f is "netstandard.dll" or "mscorlib.dll"))
            .Append(typeof(Hub).Assembly.Location)
            .Distinct(StringComparer.Ordinal);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    public const string Usings = "using System; using System.Collections.Generic; using System.Threading; using System.Threading.Channels; using System.Threading.Tasks;\n";

    public static Task AnalyzerAsync(string source, bool referenceSignalRLite = true)
    {
        var test = new CSharpAnalyzerTest<HubAnalyzer, DefaultVerifier>
        {
            TestCode = Usings + source,
            // An empty set: the references below are the running framework's.
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.TestState.AdditionalReferences.AddRange(referenceSignalRLite ? References.Value : References.Value.Where(r => !r.Display!.EndsWith("SignalRLite.dll", StringComparison.Ordinal)));
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
            return solution.WithProjectCompilationOptions(projectId, options.WithAllowUnsafe(true));
        });
        return test.RunAsync();
    }
}
