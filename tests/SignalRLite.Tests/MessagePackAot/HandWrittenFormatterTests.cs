using System.Buffers;
using MessagePack;
using MessagePack.Formatters;
using Microsoft.Extensions.Options;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.AotMessagePack;

/// <summary>
/// The manual route of docs/aot.md ("Registering by hand"): a type the generator cannot handle (here a generic one) gets
/// a hand-written formatter through <see cref="MessagePackAot.RegisterResolver"/> and a
/// <see cref="MessagePackAot.Register{T}"/> for its closed type, and then travels through the protocol with the AOT options.
/// </summary>
public class HandWrittenFormatterTests
{
    public sealed class Pair<T>
    {
        public T? Left { get; set; }

        public T? Right { get; set; }
    }

    private sealed class PairOfIntFormatter : IMessagePackFormatter<Pair<int>?>
    {
        public void Serialize(ref MessagePackWriter writer, Pair<int>? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }

            writer.WriteArrayHeader(2);
            writer.Write(value.Left);
            writer.Write(value.Right);
        }

        public Pair<int>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
            {
                return null;
            }

            if (reader.ReadArrayHeader() != 2)
            {
                throw new MessagePackSerializationException("A pair has two elements.");
            }

            return new Pair<int> { Left = reader.ReadInt32(), Right = reader.ReadInt32() };
        }
    }

    private sealed class PairResolver : IFormatterResolver
    {
        public static readonly PairResolver Instance = new();

        public IMessagePackFormatter<T>? GetFormatter<T>()
            => typeof(T) == typeof(Pair<int>) ? (IMessagePackFormatter<T>)(object)new PairOfIntFormatter() : null;
    }

    [Fact]
    public void AHandWrittenResolverServesTheAotOptionsThroughTheProtocol()
    {
        MessagePackAot.RegisterResolver(PairResolver.Instance);
        MessagePackAot.RegisterResolver(PairResolver.Instance); // idempotent
        MessagePackAot.Register<Pair<int>>();
        var protocol = new MessagePackHubProtocol(Options.Create(new MessagePackHubProtocolOptions { SerializerOptions = MessagePackAot.SerializerOptions }));

        var bytes = protocol.GetMessageBytes(new InvocationMessage("1", "Swap", [new Pair<int> { Left = 1, Right = 300 }])).ToArray();

        // [1, {}, "1", "Swap", [[1, 300]], []] after the one-byte length prefix.
        Assert.Equal("11" + "960180A131A453776170" + "919201CD012C" + "90", Convert.ToHexString(bytes));
        var input = new ReadOnlySequence<byte>(bytes);
        Assert.True(protocol.TryParseMessage(ref input, new PairBinder(), out var message));
        var pair = Assert.IsType<Pair<int>>(Assert.Single(Assert.IsType<InvocationMessage>(message).Arguments));
        Assert.Equal((1, 300), (pair.Left, pair.Right));
    }

    private sealed class PairBinder : IInvocationBinder
    {
        public IReadOnlyList<Type> GetParameterTypes(string methodName) => [typeof(Pair<int>)];

        public Type GetReturnType(string invocationId) => throw new NotSupportedException();

        public Type GetStreamItemType(string streamId) => throw new NotSupportedException();
    }
}
