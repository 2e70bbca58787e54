namespace SignalRLite.Analyzers.Tests.Generator;

/// <summary>
/// The hub source generator's output for representative hubs (snapshots in Generator/Snapshots), that the output
/// compiles without warnings, and what it leaves to the reflection path: hubs the runtime refuses, the switch.
/// </summary>
public sealed class HubGeneratorTests
{
    private const string Hubs = """
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Authorization;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.Extensions.DependencyInjection;
        using SignalRLite;

        namespace Demo;

        public interface IChatClient
        {
            Task Receive(string user, string message);
            [HubMethodName("notify")] Task Notify(int code);
            Task<string> AskName(CancellationToken cancellationToken);
            Task<int> AskNumber(int max, CancellationToken cancellationToken);
        }

        public sealed class Greeter { }

        public enum Color { Red, Blue }

        public sealed class ChatHub(Greeter greeter) : Hub<IChatClient>
        {
            public void Plain(string a, int b) { }
            public int Add(int a, int b) => a + b;
            public Task Send(string message) => Clients.All.Receive(greeter.ToString()!, message);
            public Task<string> Echo(string? message) => Task.FromResult(message ?? "");
            public ValueTask Nothing() => default;
            public ValueTask<long> Long() => new(1);
            public Task<string> AskCaller() => Clients.Caller.AskName(CancellationToken.None);
            [HubMethodName("renamed")] public void Original() { }
            public void Services([FromServices] Greeter g, [FromKeyedServices("blue")] Greeter blue, [FromKeyedServices(7)] Greeter seven, [FromKeyedServices(Color.Blue)] Greeter color, Greeter implicitOrWire, CancellationToken token) { }
            public async IAsyncEnumerable<int> Counter(int n, [EnumeratorCancellation] CancellationToken token) { await Task.Yield(); yield return n; }
            public ChannelReader<double> Doubles() => Channel.CreateUnbounded<double>().Reader;
            public Task<IAsyncEnumerable<decimal>> Later() => Task.FromResult<IAsyncEnumerable<decimal>>(null!);
            public async Task<int> Upload(IAsyncEnumerable<int> numbers, ChannelReader<DateTime> times) { await Task.Yield(); return 0; }
            [Authorize(Roles = "admin")] public void Admin() { }
            [AllowAnonymous] public void Anyone() { }
            public void Dispose(int notDispose) { }
            public void Generic<T>(T value) { }
        }

        internal class BaseHub : Hub
        {
            public virtual Task<int> Virtual() => Task.FromResult(1);
            public override Task OnAuthenticationRefreshedAsync() => Task.CompletedTask;
        }

        internal sealed class DerivedHub : BaseHub
        {
            public DerivedHub() { }
            public DerivedHub(Greeter greeter) { }
            public override Task<int> Virtual() => Task.FromResult(2);
            public (int, string) Tuple(int? maybe, int[] many) => default;
        }

        public class OverloadedHub : Hub { public void Send(int a) { } public void Send(string a) { } }

        public class CaseHub : Hub { public void Send(int a) { } public void send(int a) { } }

        public class RefHub : Hub { public void Get(ref int a) { } }

        public class SpanHub : Hub { public Span<byte> Get() => default; }

        public abstract class AbstractHub : Hub { public void Send() { } }

        public class OpenHub<T> : Hub { public void Send(T value) { } }

        public class Outer { private sealed class PrivateHub : Hub { public void Send() { } } }

        public class GenericOuter<T> { public sealed class NestedHub : Hub { public void Send() { } } }

        file sealed class FileHub : Hub { public void Send() { } }

        public sealed class ObsoleteHub : Hub
        {
            [Obsolete("use New")] public void Old() { }
            public void New() { }
        }

        public sealed class RequiredHub : Hub
        {
            public required Greeter Greeter { get; init; }
            public void Send() { }
        }

        public interface IBadClient { Task Receive(); int Count { get; } }

        public class BadClientHub : Hub<IBadClient> { public void Send() { } }

        public interface IContextClient { Task Pushed(Guid id); }

        // Abstract: no proxy from the hub itself; IContextClient's proxy comes from the IHubContext<,> below.
        public abstract class ContextHub : Hub<IContextClient> { }

        public sealed class Pusher(IHubContext<ContextHub, IContextClient> context)
        {
            public Task Push() => context.Clients.All.Pushed(Guid.Empty);
        }
        """;

    [Fact]
    public void Representative_hubs_match_the_snapshot_and_compile_without_warnings()
    {
        var result = GeneratorRunner.Run(Hubs);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.NotNull(result.Source);
        Assert.Empty(GeneratorRunner.Problems(result));
        GeneratorRunner.MatchesSnapshot("RepresentativeHubs.g.cs", result.Source!);
    }

    [Theory]
    [InlineData("OverloadedHub")]
    [InlineData("CaseHub")]
    [InlineData("RefHub")]
    [InlineData("SpanHub")]
    [InlineData("AbstractHub")]
    [InlineData("OpenHub")]
    [InlineData("PrivateHub")]
    [InlineData("GenericOuter")]
    [InlineData("FileHub")]
    public void Hubs_the_runtime_refuses_or_generated_code_cannot_name_are_left_to_the_reflection_path(string hub)
    {
        var source = GeneratorRunner.Run(Hubs).Source!;

        Assert.DoesNotContain("RegisterHub<global::Demo." + hub, source, StringComparison.Ordinal);
        Assert.DoesNotContain("RegisterHub<global::Demo.Outer." + hub, source, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_hubs_client_interfaces_and_hub_context_interfaces_are_registered()
    {
        var source = GeneratorRunner.Run(Hubs).Source!;

        Assert.Contains("RegisterHub<global::Demo.ChatHub>", source, StringComparison.Ordinal);
        Assert.Contains("RegisterHub<global::Demo.DerivedHub>", source, StringComparison.Ordinal);
        Assert.Contains("RegisterHub<global::Demo.BaseHub>", source, StringComparison.Ordinal);
        Assert.Contains("RegisterClientProxy<global::Demo.IChatClient>", source, StringComparison.Ordinal);
        Assert.Contains("RegisterClientProxy<global::Demo.IContextClient>", source, StringComparison.Ordinal);
        Assert.DoesNotContain("RegisterClientProxy<global::Demo.IBadClient>", source, StringComparison.Ordinal);
        Assert.Contains("RegisterHub<global::Demo.ObsoleteHub>", source, StringComparison.Ordinal);

        // A hub with required members gets its method table but no factory (the reflection activator's behaviour stays).
        Assert.Contains("new global::SignalRLite.SourceGeneration.GeneratedHub<global::Demo.RequiredHub>(\n                null,", source, StringComparison.Ordinal);
    }

    [Fact]
    public void The_SignalRLiteGenerateHubs_property_set_to_false_turns_the_generator_off()
    {
        var result = GeneratorRunner.Run(Hubs, new Dictionary<string, string> { ["SignalRLiteGenerateHubs"] = "false" });

        Assert.Null(result.Source);
        Assert.NotNull(GeneratorRunner.Run(Hubs, new Dictionary<string, string> { ["SignalRLiteGenerateHubs"] = "true" }).Source);
    }

    [Fact]
    public void A_compilation_without_hubs_gets_no_file()
    {
        Assert.Null(GeneratorRunner.Run("public class NotAHub { public void Send() { } }").Source);
    }
}
