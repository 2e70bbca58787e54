namespace SignalRLite.Analyzers.Tests;

/// <summary>SRL0001 and SRL0002: the method names HubMethodTable refuses.</summary>
public sealed class HubMethodNameTests
{
    [Fact]
    public Task Overloads_are_reported() => Verify.AnalyzerAsync("""
        public class ChatHub : SignalRLite.Hub
        {
            public Task {|SRL0001:Send|}(string message) => Task.CompletedTask;
            public Task {|SRL0001:Send|}(string user, string message) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task HubMethodName_collision_is_reported() => Verify.AnalyzerAsync("""
        public class ChatHub : SignalRLite.Hub
        {
            public Task {|SRL0001:Send|}(string message) => Task.CompletedTask;
            [SignalRLite.HubMethodName("Send")]
            public Task {|SRL0001:Broadcast|}(string message) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task A_new_method_hiding_a_base_hub_method_is_reported_on_the_derived_hub() => Verify.AnalyzerAsync("""
        public class BaseHub : SignalRLite.Hub
        {
            public void Ping() { }
        }
        public class ChatHub : BaseHub
        {
            public new void {|SRL0001:Ping|}() { }
        }
        """);

    [Fact]
    public Task Distinct_names_overrides_renamed_overloads_and_non_hub_methods_are_not_reported() => Verify.AnalyzerAsync("""
        public abstract class BaseHub : SignalRLite.Hub
        {
            public virtual Task Send(string message) => Task.CompletedTask;
        }
        public class ChatHub : BaseHub
        {
            public override Task Send(string message) => Task.CompletedTask;
            [SignalRLite.HubMethodName("SendTo")]
            public Task Send(string user, string message) => Task.CompletedTask;
            public static void Send(int x) { }
            private void Send(long x) { }
            protected void Send(short x) { }
            public void Dispose(bool disposing) { }
            public override Task OnConnectedAsync() => Task.CompletedTask;
            public override string ToString() => "chat";
            public string Name { get; set; }
        }
        """);

    [Fact]
    public Task Names_differing_only_by_case_are_reported() => Verify.AnalyzerAsync("""
        public class ChatHub : SignalRLite.Hub
        {
            public void {|SRL0002:Send|}(string message) { }
            public void {|SRL0002:send|}(int count) { }
        }
        """);

    [Fact]
    public Task HubMethodName_differing_only_by_case_is_reported() => Verify.AnalyzerAsync("""
        public class ChatHub : SignalRLite.Hub
        {
            public void {|SRL0002:Send|}(string message) { }
            [SignalRLite.HubMethodName("SEND")]
            public void {|SRL0002:Other|}(int count) { }
        }
        """);

    [Fact]
    public Task Names_differing_by_more_than_case_are_not_reported() => Verify.AnalyzerAsync("""
        public class ChatHub : SignalRLite.Hub
        {
            public void Send(string message) { }
            public void Sends(int count) { }
            [SignalRLite.HubMethodName("send2")]
            public void send(int count) { }
        }
        """);

    [Fact]
    public Task Classes_that_are_not_SignalRLite_hubs_are_not_analyzed() => Verify.AnalyzerAsync("""
        namespace Other { public abstract class Hub { } }
        public class NotAHub : Other.Hub
        {
            public void Send(string message) { }
            public void Send(int count) { }
            public void send(long count) { }
        }
        """);

    [Fact]
    public Task Nothing_is_reported_without_a_SignalRLite_reference() => Verify.AnalyzerAsync("""
        namespace SignalRLiteLookalike { public abstract class Hub { } }
        public class ChatHub : SignalRLiteLookalike.Hub
        {
            public void Send(string message) { }
            public void Send(int count) { }
        }
        """, referenceSignalRLite: false);
}
