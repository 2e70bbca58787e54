using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SignalRLite.Analyzers.Tests;

/// <summary>
/// The analyzer against the runtime itself: each case is compiled, loaded, and given to the runtime's own checks
/// (the HubMethodTable that MapHub builds; the TypedClientProxy validation behind Hub&lt;T&gt;.Clients). The
/// analyzer must report an error exactly when the runtime throws, so it neither misses a refused shape nor invents
/// a rule the runtime does not enforce.
/// </summary>
public sealed class RuntimeAgreementTests
{
    private static readonly Dictionary<string, string> HubCases = new()
    {
        ["overloads"] = "public class TestHub : SignalRLite.Hub { public void Send(int a) { } public void Send(string a) { } }",
        ["case only"] = "public class TestHub : SignalRLite.Hub { public void Send(int a) { } public void send(int a) { } }",
        ["HubMethodName collision"] = "public class TestHub : SignalRLite.Hub { public void Send(int a) { } [SignalRLite.HubMethodName(\"Send\")] public void Other(int a) { } }",
        ["new hides base"] = "public class BaseHub : SignalRLite.Hub { public void Send() { } } public class TestHub : BaseHub { public new void Send() { } }",
        ["override"] = "public class BaseHub : SignalRLite.Hub { public virtual void Send() { } } public class TestHub : BaseHub { public override void Send() { } }",
        ["inherited HubMethodName collision"] = "public class BaseHub : SignalRLite.Hub { [SignalRLite.HubMethodName(\"Go\")] public virtual void Send() { } } public class TestHub : BaseHub { public override void Send() { } public void Go() { } }",
        ["abstract base overloads"] = "public abstract class BaseHub : SignalRLite.Hub { public void Send(int a) { } public void Send(long a) { } } public class TestHub : BaseHub { }",
        ["DynamicHub overloads"] = "public class TestHub : SignalRLite.DynamicHub { public void Send(int a) { } public void Send(long a) { } }",
        ["static private protected overloads"] = "public class TestHub : SignalRLite.Hub { public void Send(int a) { } public static void Send(long a) { } private void Send(short a) { } protected void Send(byte a) { } }",
        ["Dispose overloads"] = "public class TestHub : SignalRLite.Hub { public void Dispose(int a) { } }",
        ["ref parameter"] = "public class TestHub : SignalRLite.Hub { public void Send(ref int a) { } }",
        ["out parameter"] = "public class TestHub : SignalRLite.Hub { public void Send(out int a) { a = 1; } }",
        ["in parameter"] = "public class TestHub : SignalRLite.Hub { public void Send(in int a) { } }",
        ["pointer parameter"] = "public unsafe class TestHub : SignalRLite.Hub { public void Send(int* a) { } }",
        ["ref return"] = "public class TestHub : SignalRLite.Hub { private int _f; public ref int Get() => ref _f; }",
        ["pointer return"] = "public unsafe class TestHub : SignalRLite.Hub { public int* Get() => null; }",
        ["ref struct return"] = "public class TestHub : SignalRLite.Hub { public Span<byte> Get() => default; }",
        ["generic method"] = "public class TestHub : SignalRLite.Hub { public void Send<T>(T a) { } public void Send(int a) { } }",
        ["streams and services"] = "public class TestHub : SignalRLite.Hub { public async IAsyncEnumerable<int> Down(CancellationToken t) { await Task.Yield(); yield return 1; } public Task<int> Up(ChannelReader<int> r, IAsyncEnumerable<string> s) => Task.FromResult(1); public ValueTask<string> V(params int[] a) => default; }",
    };

    private static readonly Dictionary<string, string> ClientCases = new()
    {
        ["class"] = "public class IClient { public Task Receive() => Task.CompletedTask; }",
        ["property"] = "public interface IClient { Task Receive(); int Count { get; } }",
        ["event"] = "public interface IClient { Task Receive(); event Action Changed; }",
        ["inherited event"] = "public interface IBase { event Action Changed; } public interface IClient : IBase { Task Receive(); }",
        ["void"] = "public interface IClient { void Receive(); }",
        ["ValueTask"] = "public interface IClient { ValueTask Receive(); }",
        ["Task<int> in a base interface"] = "public interface IBase { Task<int> Ask(CancellationToken t); } public interface IClient : IBase { Task Receive(string a); }",
        ["int in a base interface"] = "public interface IBase { int Ask(); } public interface IClient : IBase { Task Receive(string a); }",
        ["static method"] = "public interface IClient { Task Receive(); static int Helper() => 1; }",
    };

    public static TheoryData<string> HubCaseNames => [.. HubCases.Keys];

    public static TheoryData<string> ClientCaseNames => [.. ClientCases.Keys];

    [Theory]
    [MemberData(nameof(HubCaseNames))]
    public async Task The_analyzer_reports_an_error_exactly_when_MapHub_throws(string name)
    {
        var (assembly, errors) = await CompileAsync(HubCases[name]);
        var table = typeof(Hub).Assembly.GetType("SignalRLite.Internal.Hubs.HubMethodTable", throwOnError: true)!;
        var runtime = Throws(() => table.GetMethod("FromReflection", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [assembly.GetType("TestHub")!, null, false]));

        Assert.True(runtime is not null == errors.Count > 0, $"runtime: {runtime?.Message ?? "accepted"}; analyzer: {string.Join("; ", errors.Select(e => e.GetMessage()))}");
        Assert.All(errors, e => Assert.Contains(e.Id, new[] { "SRL0001", "SRL0002", "SRL0003", "SRL0004" }));
    }

    [Theory]
    [MemberData(nameof(ClientCaseNames))]
    public async Task The_analyzer_reports_an_error_exactly_when_the_typed_clients_throw(string name)
    {
        var (assembly, errors) = await CompileAsync(ClientCases[name] + "\npublic class TestHub : SignalRLite.Hub<IClient> { }");
        var proxy = typeof(Hub).Assembly.GetType("SignalRLite.Internal.Hubs.TypedClientProxy`1", throwOnError: true)!.MakeGenericType(assembly.GetType("IClient")!);
        var runtime = Throws(() => proxy.GetMethod("Create", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [null]));

        Assert.True(runtime is not null == errors.Count > 0, $"runtime: {runtime?.Message ?? "accepted"}; analyzer: {string.Join("; ", errors.Select(e => e.GetMessage()))}");
        Assert.All(errors, e => Assert.Contains(e.Id, new[] { "SRL0006", "SRL0007", "SRL0008" }));
    }

    private static Exception? Throws(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (TargetInvocationException e)
        {
            return e.InnerException;
        }
    }

    /// <summary>Compiles the case (it must compile), runs the analyzer, loads the assembly (non-collectible: DispatchProxy refuses proxies of collectible types).</summary>
    private static async Task<(Assembly Assembly, List<Diagnostic> Errors)> CompileAsync(string source)
    {
        var compilation = CSharpCompilation.Create(
            "Case" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(Verify.Usings + source)],
            Verify.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var diagnostics = await compilation.WithAnalyzers([new HubAnalyzer()]).GetAnalyzerDiagnosticsAsync();

        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success);
        image.Position = 0;
        var assembly = new AssemblyLoadContext(null).LoadFromStream(image);
        return (assembly, diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList());
    }
}
