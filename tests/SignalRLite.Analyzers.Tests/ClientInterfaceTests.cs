namespace SignalRLite.Analyzers.Tests;

/// <summary>SRL0006, SRL0007 and SRL0008: the Hub&lt;T&gt; client types TypedClientProxy refuses.</summary>
public sealed class ClientInterfaceTests
{
    [Fact]
    public Task A_client_class_is_reported() => Verify.AnalyzerAsync("""
        public class ChatClient { public Task Receive(string message) => Task.CompletedTask; }
        public class ChatHub : {|SRL0006:SignalRLite.Hub<ChatClient>|} { }
        """);

    [Fact]
    public Task A_client_interface_is_not_reported() => Verify.AnalyzerAsync("""
        public interface IChatClient { Task Receive(string message); }
        public class ChatHub : SignalRLite.Hub<IChatClient> { }
        """);

    [Fact]
    public Task A_property_in_the_client_interface_is_reported() => Verify.AnalyzerAsync("""
        public interface IChatClient { Task Receive(string message); string Name { get; } }
        public class ChatHub : {|SRL0007:SignalRLite.Hub<IChatClient>|} { }
        """);

    [Fact]
    public Task An_event_in_an_inherited_client_interface_is_reported() => Verify.AnalyzerAsync("""
        public interface IBaseClient { event Action Changed; }
        public interface IChatClient : IBaseClient { Task Receive(string message); }
        public class ChatHub : {|SRL0007:SignalRLite.Hub<IChatClient>|} { }
        """);

    [Fact]
    public Task Methods_only_across_inherited_interfaces_are_not_reported() => Verify.AnalyzerAsync("""
        public interface IBaseClient { Task Ping(); }
        public interface IChatClient : IBaseClient { Task Receive(string message, CancellationToken token); }
        public class ChatHub : SignalRLite.Hub<IChatClient> { }
        """);

    [Theory]
    [InlineData("void")]
    [InlineData("ValueTask")]
    [InlineData("ValueTask<int>")]
    [InlineData("int")]
    [InlineData("IAsyncEnumerable<int>")]
    public Task A_client_method_not_returning_Task_is_reported(string returnType) => Verify.AnalyzerAsync($$"""
        public interface IChatClient { Task Receive(string message); {{returnType}} Other(); }
        public class ChatHub : {|SRL0008:SignalRLite.Hub<IChatClient>|} { }
        """);

    [Fact]
    public Task Task_and_client_result_methods_are_not_reported() => Verify.AnalyzerAsync("""
        public interface IChatClient { Task Receive(string message); Task<string> Ask(string question, CancellationToken token); }
        public class ChatHub : SignalRLite.Hub<IChatClient>
        {
            public Task<string> AskCaller() => Clients.Caller.Ask("?", CancellationToken.None);
        }
        """);

    [Fact]
    public Task A_generic_base_hub_is_reported_where_the_client_type_is_chosen() => Verify.AnalyzerAsync("""
        public interface IChatClient { void Receive(string message); }
        public abstract class BaseHub<T> : SignalRLite.Hub<T> where T : class { }
        public class ChatHub : {|SRL0008:BaseHub<IChatClient>|} { }
        public class OtherHub : ChatHub { }
        """);
}
