namespace SignalRLite.Analyzers.Tests;

/// <summary>SRL0003, SRL0004 and SRL0005: parameters, returns and generic methods HubMethodDescriptor cannot handle.</summary>
public sealed class HubMethodSignatureTests
{
    [Fact]
    public Task Ref_out_in_pointer_and_ref_struct_parameters_are_reported() => Verify.AnalyzerAsync("""
        public unsafe class ChatHub : SignalRLite.Hub
        {
            public void A(ref int {|SRL0003:x|}) { }
            public void B(out int {|SRL0003:x|}) { x = 1; }
            public void C(in int {|SRL0003:x|}) { }
            public void D(int* {|SRL0003:x|}) { }
            public void E(ReadOnlySpan<byte> {|SRL0003:x|}) { }
            public void F(string fine, ref readonly int {|SRL0003:x|}) { }
        }
        """);

    [Fact]
    public Task Supported_parameters_and_non_hub_methods_are_not_reported() => Verify.AnalyzerAsync("""
        public class ChatHub : SignalRLite.Hub
        {
            public Task A(string text, int count = 3, params int[] rest) => Task.CompletedTask;
            public async Task B(IAsyncEnumerable<int> upload, ChannelReader<string> other, CancellationToken token) { await Task.Yield(); }
            public void C(byte[] bytes, Memory<byte> memory) { }
            private void D(ref int x) { }
            public static void E(out int x) { x = 1; }
            internal void F(ReadOnlySpan<byte> x) { }
        }
        """);

    [Fact]
    public Task Ref_pointer_and_ref_struct_returns_are_reported() => Verify.AnalyzerAsync("""
        public unsafe class ChatHub : SignalRLite.Hub
        {
            private int _field;
            public ref int {|SRL0004:A|}() => ref _field;
            public ref readonly int {|SRL0004:B|}() => ref _field;
            public int* {|SRL0004:C|}() => null;
            public Span<byte> {|SRL0004:D|}() => default;
        }
        """);

    [Fact]
    public Task Supported_returns_are_not_reported() => Verify.AnalyzerAsync("""
        public class ChatHub : SignalRLite.Hub
        {
            public void A() { }
            public int B() => 1;
            public Task C() => Task.CompletedTask;
            public Task<int> D() => Task.FromResult(1);
            public ValueTask E() => default;
            public ValueTask<string> F() => default;
            public async IAsyncEnumerable<int> G() { await Task.Yield(); yield return 1; }
            public ChannelReader<int> H() => Channel.CreateUnbounded<int>().Reader;
            public Task<ChannelReader<int>> I() => Task.FromResult(Channel.CreateUnbounded<int>().Reader);
            public byte[] J() => [];
        }
        """);

    [Fact]
    public Task Public_generic_methods_are_reported_as_not_callable() => Verify.AnalyzerAsync("""
        public class ChatHub : SignalRLite.Hub
        {
            public Task {|SRL0005:Echo|}<T>(T value) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task Non_public_generic_methods_and_generic_hub_classes_are_not_reported() => Verify.AnalyzerAsync("""
        public class EchoHub<T> : SignalRLite.Hub
        {
            public Task Echo(T value) => Task.CompletedTask;
            private Task Helper<TOther>(TOther value) => Task.CompletedTask;
            public static Task Create<TOther>() => Task.CompletedTask;
        }
        public class IntEchoHub : EchoHub<int> { }
        """);
}
