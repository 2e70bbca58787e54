using System.Buffers;
using MessagePack;
using MessagePack.Resolvers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

public class MessagePackRegistrationTests
{
    private sealed class Builder : ISignalRServerBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();
    }

    [Fact]
    public void AddMessagePackProtocol_registers_one_singleton_protocol()
    {
        var builder = new Builder();
        Assert.Same(builder, builder.AddMessagePackProtocol());
        builder.AddMessagePackProtocol();

        using var services = builder.Services.BuildServiceProvider();
        var protocols = services.GetServices<IHubProtocol>().ToArray();
        var protocol = Assert.IsType<MessagePackHubProtocol>(Assert.Single(protocols));
        Assert.Same(protocol, services.GetServices<IHubProtocol>().Single());
        Assert.Equal("02 91 06", Bytes.ToHex(protocol.GetMessageBytes(PingMessage.Instance)));
    }

    [Fact]
    public void Configure_callback_reaches_the_protocol()
    {
        var builder = new Builder();
        builder.AddMessagePackProtocol(o => o.SerializerOptions = MessagePackSerializerOptions.Standard
            .WithResolver(CompositeResolver.Create(NativeDateTimeResolver.Instance, ContractlessStandardResolver.Instance))
            .WithSecurity(MessagePackSecurity.UntrustedData));

        using var services = builder.Services.BuildServiceProvider();
        var protocol = services.GetServices<IHubProtocol>().OfType<MessagePackHubProtocol>().Single();
        var bytes = protocol.GetMessageBytes(new StreamItemMessage("1", new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)));

        // NativeDateTimeResolver writes DateTime.ToBinary() as a 64-bit integer instead of the timestamp extension.
        Assert.Contains(bytes.Span[6], new byte[] { 0xCF, 0xD3 });
    }

    [Fact]
    public void Default_options()
    {
        var options = new MessagePackHubProtocolOptions();
        Assert.Equal(MessagePackSecurity.UntrustedData.MaximumObjectGraphDepth, options.SerializerOptions.Security.MaximumObjectGraphDepth);
        Assert.Equal(MessagePackSecurity.UntrustedData.HashCollisionResistant, options.SerializerOptions.Security.HashCollisionResistant);
        Assert.Throws<ArgumentNullException>(() => options.SerializerOptions = null!);

        var viaOptions = new MessagePackHubProtocol(Options.Create(options));
        Assert.Equal("messagepack", viaOptions.Name);
    }

    [Fact]
    public void Writing_allocates_nothing_per_message_once_warm()
    {
        var protocol = new MessagePackHubProtocol();
        var output = new ArrayBufferWriter<byte>(4096);
        var messages = new HubMessage[]
        {
            PingMessage.Instance,
            CompletionMessage.Empty("1"),
            CompletionMessage.WithResult("1", 42),
            new InvocationMessage("Receive", new object?[] { "hi", 42 }),
            new StreamItemMessage("1", "item"),
            CloseMessage.Empty,
        };

        foreach (var m in messages)
        {
            protocol.WriteMessage(m, output);
        }

        foreach (var m in messages)
        {
            output.ResetWrittenCount();
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                output.ResetWrittenCount();
                protocol.WriteMessage(m, output);
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{m.GetType().Name}: {allocated / 100.0} bytes per WriteMessage");
        }
    }

    [Fact]
    public void Reading_allocates_only_the_message_and_its_contents()
    {
        var protocol = new MessagePackHubProtocol();
        var binder = new TestBinder().Method("Receive", typeof(string), typeof(int));
        var bytes = protocol.GetMessageBytes(new InvocationMessage("Receive", new object?[] { "hi", 42 }));
        var ping = protocol.GetMessageBytes(PingMessage.Instance);

        for (var i = 0; i < 10; i++)
        {
            var warm = new ReadOnlySequence<byte>(bytes);
            protocol.TryParseMessage(ref warm, binder, out _);
            warm = new ReadOnlySequence<byte>(ping);
            protocol.TryParseMessage(ref warm, binder, out _);
        }

        var pingBuffer = new ReadOnlySequence<byte>(ping);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var copy = pingBuffer;
        protocol.TryParseMessage(ref copy, binder, out _);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var buffer = new ReadOnlySequence<byte>(bytes);
        before = GC.GetAllocatedBytesForCurrentThread();
        protocol.TryParseMessage(ref buffer, binder, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // InvocationMessage + object?[2] + "Receive" + "hi" + boxed 42: a few hundred bytes at most.
        Assert.True(allocated < 400, $"{allocated} bytes for one Invocation read");
    }
}
