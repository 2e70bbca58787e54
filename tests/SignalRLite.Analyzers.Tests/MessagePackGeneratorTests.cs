using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SignalRLite.Analyzers.MessagePack;

namespace SignalRLite.Analyzers.Tests;

/// <summary>
/// <see cref="MessagePackFormatterGenerator"/>: the snapshot of its output for the representative types of the AOT
/// tests (tests/SignalRLite.Tests/MessagePackAot: AotModels.cs in, AotModels.g.cs out; the SignalRLite.Tests project
/// compiles that output and checks it byte for byte against MessagePack-CSharp's dynamic formatters), the compile of
/// the generated code, and SRL0030 for the [MessagePackObject] shapes it cannot write.
/// </summary>
public class MessagePackGeneratorTests
{
    private const string GlobalUsings = "global using System; global using System.Collections.Generic; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;";

    private static readonly MetadataReference[] MessagePackReferences =
    [
        MetadataReference.CreateFromFile(typeof(global::MessagePack.MessagePackSerializer).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(global::MessagePack.KeyAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(MessagePackAot).Assembly.Location),
    ];

    [Fact]
    public void OutputForTheAotTestModelsMatchesTheSnapshotThatSignalRLiteTestsCompiles()
    {
        var input = File.ReadAllText(AotTestFile("AotModels.cs"));
        var (output, _, generated) = Run(input);

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var expected = File.ReadAllText(AotTestFile("AotModels.g.cs")).TrimStart('\uFEFF').ReplaceLineEndings("\n");
        var actual = Assert.Single(generated).ReplaceLineEndings("\n");
        // On a difference, the new output is written next to the snapshot for review (copy it over AotModels.g.cs).
        if (expected != actual)
        {
            File.WriteAllText(AotTestFile("AotModels.g.cs.new"), actual);
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void HubSignatureTypesAreRegisteredAndTheirCollectionsGetFormatters()
    {
        var (output, diagnostics, generated) = Run("""
            using MessagePack;
            public enum Level { Low, High }
            public class Item { public string Name { get; set; } = ""; public Level Level { get; set; } }
            public interface IClient { Task Notify(Item[] items); Task<Level> Ask(string question); }
            public class ItemsHub : SignalRLite.Hub<IClient>
            {
                public IAsyncEnumerable<Item> Stream(CancellationToken token) => throw new NotImplementedException();
                public Task<Dictionary<string, Level>> Levels(ChannelReader<Item> upload) => throw new NotImplementedException();
                public void Fire(IReadOnlyList<int> values, HashSet<Guid> ids) { }
                public IEnumerable<Item> All() => new List<Item>();
            }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var code = Assert.Single(generated);
        foreach (var registered in new[] { "global::Item", "global::Item[]", "global::Level", "string", "global::System.Collections.Generic.Dictionary<string, global::Level>",
            "global::System.Collections.Generic.IReadOnlyList<int>", "global::System.Collections.Generic.HashSet<global::System.Guid>",
            "global::System.Collections.Generic.IEnumerable<global::Item>", "global::System.Collections.Generic.List<global::Item>", "global::System.Collections.Generic.List<int>" })
        {
            Assert.Contains($"MessagePackAot.Register<{registered}>();", code, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("CancellationToken>", code, StringComparison.Ordinal);
        Assert.DoesNotContain("Register<global::System.Threading.Channels", code, StringComparison.Ordinal);
        Assert.Contains("return new global::MessagePack.Formatters.InterfaceReadOnlyListFormatter<int>();", code, StringComparison.Ordinal);
        Assert.Contains("return new global::MessagePack.Formatters.HashSetFormatter<global::System.Guid>();", code, StringComparison.Ordinal);
        Assert.Contains("class Item_Formatter", code, StringComparison.Ordinal);
        Assert.Contains("class Level_EnumFormatter", code, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("generic", "[MessagePackObject] public class {|#0:Box|}<T> { [Key(0)] public T Value { get; set; } = default!; }", "generic types are not supported")]
    [InlineData("missing-key", "[MessagePackObject] public class {|#0:Box|} { [Key(0)] public int A { get; set; } public int B { get; set; } }", "public member 'B' has neither [Key] nor [IgnoreMember]")]
    [InlineData("mixed-keys", "[MessagePackObject] public class {|#0:Box|} { [Key(0)] public int A { get; set; } [Key(\"b\")] public int B { get; set; } }", "int and string keys are mixed")]
    [InlineData("duplicate-key", "[MessagePackObject] public class {|#0:Box|} { [Key(1)] public int A { get; set; } [Key(1)] public int B { get; set; } }", "key 1 is used more than once")]
    [InlineData("no-constructor", "[MessagePackObject] public class {|#0:Box|} { public Box(string other) { } [Key(0)] public int A { get; set; } }", "public parameterless constructor")]
    [InlineData("private-nested", "public class Outer { [MessagePackObject] private class {|#0:Box|} { [Key(0)] public int A; } }", "must be public or internal")]
    public void UnsupportedMessagePackObjectShapesReportSrl0030OnTheType(string name, string source, string reason)
    {
        _ = name;
        var start = source.IndexOf("{|#0:", StringComparison.Ordinal);
        var end = source.IndexOf("|}", start, StringComparison.Ordinal);
        var identifier = source.Substring(start + 5, end - start - 5);
        var plain = "using MessagePack;\n" + source.Remove(end, 2).Remove(start, 5);

        var (output, diagnostics, _) = Run(plain);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SRL0030", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains(reason, diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(identifier, plain.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void RequiredMembersAreSetInTheInitializerAndHiddenMembersSkipTheType()
    {
        var (output, diagnostics, generated) = Run("""
            using MessagePack;
            [MessagePackObject] public class Req { [Key(0)] public required string Name { get; set; } [Key(1)] public required int Age; [Key(2)] public int Other { get; set; } }
            public class PlainReq { public required string Name { get; init; } public int Count { get; set; } }
            public class Base { public int Value { get; set; } }
            public class Hiding : Base { public new string? Value { get; set; } }
            public class H : SignalRLite.Hub { public Req A(PlainReq p) => null!; public Hiding B() => null!; }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var code = Assert.Single(generated);
        Assert.Contains("new global::Req() { Name = __v0, Age = __v1 }", code, StringComparison.Ordinal);
        Assert.Contains("new global::PlainReq() { Name = __v0 }", code, StringComparison.Ordinal);
        Assert.DoesNotContain("Hiding_Formatter", code, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingIsGeneratedWithoutTheMessagePackProtocolPackage()
    {
        var (_, diagnostics, generated) = Run("public class Item { public int A { get; set; } } public class H : SignalRLite.Hub { public Item Get() => new(); }", withProtocol: false);
        Assert.Empty(diagnostics);
        Assert.Empty(generated);
    }

    [Fact]
    public void AnUnrelatedEditReusesTheGeneratedOutput()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CreateCompilation(File.ReadAllText(AotTestFile("AotModels.cs")), withProtocol: true, parse);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new MessagePackFormatterGenerator().AsSourceGenerator()],
            parseOptions: parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Unrelated { public int A; }", parse)));

        var result = driver.GetRunResult().Results.Single();
        var outputs = result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(step => step.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output step ran again: {output.Reason}"));
    }

    private static CSharpCompilation CreateCompilation(string source, bool withProtocol, CSharpParseOptions parse)
    {
        var references = withProtocol ? Verify.References.Value.Concat(MessagePackReferences) : Verify.References.Value;
        return CSharpCompilation.Create(
            "GeneratorTestApp",
            [CSharpSyntaxTree.ParseText(GlobalUsings + "\nglobal using System.Threading.Channels;", parse), CSharpSyntaxTree.ParseText(source, parse)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
                // As in a real build: MessagePack's netstandard references unify with the running framework's.
                .WithSpecificDiagnosticOptions([new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));
    }

    private static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics, string[] Generated) Run(string source, bool withProtocol = true)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CreateCompilation(source, withProtocol, parse);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var driver = CSharpGeneratorDriver.Create([new MessagePackFormatterGenerator().AsSourceGenerator()], parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return (output, result.Diagnostics, result.GeneratedSources.Select(s => s.SourceText.ToString()).ToArray());
    }

    private static string AotTestFile(string name, [CallerFilePath] string here = "")
        => Path.Combine(Path.GetDirectoryName(here)!, "..", "SignalRLite.Tests", "MessagePackAot", name);
}
