using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace SignalRLite.Analyzers.Tests;

/// <summary>
/// SRL0020: a hub payload type missing from the JsonSerializerContext passed to AddJsonProtocol. The contexts here
/// are abstract stand-ins (no System.Text.Json generator runs in the test compilation); the analyzer reads only
/// their [JsonSerializable] attributes.
/// </summary>
public sealed class JsonContextTests
{
    private const string Setup = """
        using System.Text.Json.Serialization;
        using Microsoft.Extensions.DependencyInjection;
        public sealed record Message(string Text, Author By);
        public sealed record Author(string Name);
        public readonly record struct Point(int X, int Y);
        public sealed record Other(string Name);

        """;

    private const string Context = """
        [JsonSerializable(typeof(System.Collections.Generic.List<Message>))]
        public abstract class AppJsonContext : JsonSerializerContext
        {
            protected AppJsonContext() : base(null) { }
            public static AppJsonContext Default => null!;
        }

        """;

    private const string Insert = """
        public static class Startup
        {
            public static void Configure(IServiceCollection services) =>
                services.AddSignalRLite().AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default));
        }

        """;

    private static Task RunAsync(string source)
    {
        var test = new CSharpAnalyzerTest<JsonContextAnalyzer, DefaultVerifier>
        {
            TestCode = Verify.Usings + Setup + source,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.TestState.AdditionalReferences.AddRange(Verify.References.Value);
        return test.RunAsync();
    }

    [Fact]
    public Task A_parameter_type_missing_from_the_context_is_reported() => RunAsync(Context + Insert + """
        public class ChatHub : SignalRLite.Hub
        {
            public Task Send(Message message, Other {|SRL0020:other|}) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task Types_reached_from_a_root_and_built_in_primitives_are_not_reported() => RunAsync(Context + Insert + """
        public class ChatHub : SignalRLite.Hub
        {
            public Author Who(Message message, string text, int count, Guid id, DateTimeOffset at, CancellationToken token) => message.By;
            public Task<List<Message>> History(long since) => Task.FromResult(new List<Message>());
        }
        """);

    [Fact]
    public Task Without_a_context_in_AddJsonProtocol_nothing_is_reported() => RunAsync(Context + """
        public static class Startup
        {
            public static void Configure(IServiceCollection services) =>
                services.AddSignalRLite().AddJsonProtocol(o => o.PayloadSerializerOptions.PropertyNamingPolicy = null);
        }
        public class ChatHub : SignalRLite.Hub
        {
            public Other Send(Other other) => other;
        }
        """);

    [Fact]
    public Task Results_and_stream_items_both_ways_are_checked() => RunAsync(Context + Insert + """
        public class StreamHub : SignalRLite.Hub
        {
            public Task<Other> {|SRL0020:Get|}() => Task.FromResult(new Other("x"));
            public async IAsyncEnumerable<Point> {|SRL0020:Points|}() { await Task.Yield(); yield return new Point(1, 2); }
            public ChannelReader<Message> Messages() => Channel.CreateUnbounded<Message>().Reader;
            public Task Upload(IAsyncEnumerable<Point> {|SRL0020:points|}, ChannelReader<int> numbers) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task Service_parameters_are_not_payloads() => RunAsync(Context + Insert + """
        public interface IClock { DateTime Now { get; } }
        public class ServiceHub : SignalRLite.Hub
        {
            public Task Send(Message message, IClock clock, [Microsoft.AspNetCore.Mvc.FromServices] Other fromServices, [FromKeyedServices("k")] Other keyed) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task Client_method_arguments_and_results_are_checked() => RunAsync(Context + Insert + """
        public interface IChatClient
        {
            Task Receive(Message message, Point {|SRL0020:at|});
            Task<Other> {|SRL0020:Ask|}(string question, CancellationToken token);
        }
        public class ChatHub : SignalRLite.Hub<IChatClient> { }
        """);

    [Fact]
    public Task Replacing_the_resolver_drops_the_built_in_primitives() => RunAsync(Context + """
        public static class Startup
        {
            public static void Configure(IServiceCollection services) =>
                services.AddSignalRLite().AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolver = AppJsonContext.Default);
        }
        public class ChatHub : SignalRLite.Hub
        {
            // string is reached from Message (its properties); int is not.
            public string Send(string text, int {|SRL0020:count|}) => text;
        }
        """);
}
