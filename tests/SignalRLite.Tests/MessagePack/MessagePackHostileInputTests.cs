using System.Buffers;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

/// <summary>Malformed, truncated and hostile input: false when incomplete, InvalidDataException when invalid, never a crash.</summary>
public class MessagePackHostileInputTests
{
    private readonly MessagePackHubProtocol _protocol = new();

    private static TestBinder Binder() => new TestBinder()
        .Method("method", typeof(int))
        .Method("m", typeof(object))
        .Returns("1", typeof(int))
        .Stream("xyz", typeof(int));

    private static byte[] Frame(string bodyHex) => Frame(Bytes.FromHex(bodyHex));

    private static byte[] Frame(byte[] body)
    {
        var output = new ArrayBufferWriter<byte>();
        SignalRLite.Internal.Protocol.BinaryMessageFormatter.WriteLengthPrefix(body.Length, output);
        output.Write(body);
        return output.WrittenSpan.ToArray();
    }

    private InvalidDataException AssertProtocolError(byte[] bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var before = buffer;
        var ex = Assert.Throws<InvalidDataException>(() => _protocol.TryParseMessage(ref buffer, Binder(), out _));
        Assert.Equal(before, buffer);
        return ex;
    }

    [Fact]
    public void Every_truncation_of_a_valid_stream_returns_false_without_throwing()
    {
        var messages = new HubMessage[]
        {
            new InvocationMessage("xyz", "method", new object?[] { 42 }) { Headers = new Dictionary<string, string> { ["a"] = "b" } },
            CompletionMessage.WithError("1", "boom"),
            new StreamItemMessage("xyz", 7),
            PingMessage.Instance,
            new InvocationMessage("1", "m", new object?[] { new string('x', 200) }),
        };
        var all = messages.SelectMany(m => _protocol.GetMessageBytes(m).ToArray()).ToArray();
        var firstLength = _protocol.GetMessageBytes(messages[0]).Length;

        for (var cut = 0; cut < firstLength; cut++)
        {
            var buffer = new ReadOnlySequence<byte>(all, 0, cut);
            Assert.False(_protocol.TryParseMessage(ref buffer, Binder(), out var message));
            Assert.Null(message);
            Assert.Equal(cut, buffer.Length);
        }

        var input = Bytes.Fragmented(all);
        var count = 0;
        while (_protocol.TryParseMessage(ref input, Binder(), out _))
        {
            count++;
        }

        Assert.Equal(messages.Length, count);
        Assert.True(input.IsEmpty);
    }

    [Theory]
    [InlineData("80 80 80 80 80 01 91 06")]
    [InlineData("FF FF FF FF 08")]
    [InlineData("FF FF FF FF 7F")]
    public void Oversized_length_prefix_is_a_protocol_error(string hex)
    {
        AssertProtocolError(Bytes.FromHex(hex));
    }

    [Fact]
    public void Empty_array_empty_body_and_non_array_body_are_protocol_errors()
    {
        Assert.Contains("empty array", AssertProtocolError(Frame("90")).Message);
        Assert.Contains("cannot be empty", AssertProtocolError(Bytes.FromHex("00")).Message);
        Assert.Contains("must be an array", AssertProtocolError(Frame("2A")).Message);
        Assert.Contains("must be an array", AssertProtocolError(Frame("81 01 02")).Message);
    }

    [Fact]
    public void Result_kind_4_is_a_protocol_error()
    {
        Assert.Contains("result kind: 4", AssertProtocolError(Frame("95 03 80 A1 31 04 2A")).Message);
        Assert.Contains("result kind: 0", AssertProtocolError(Frame("94 03 80 A1 31 00")).Message);
        AssertProtocolError(Frame("94 03 80 A1 31 A1 32"));
    }

    [Theory]
    [InlineData("94 01 80 A3 78 79 7A")] // invocation with 4 elements
    [InlineData("94 04 80 A3 78 79 7A")] // stream invocation with 4 elements
    [InlineData("93 02 80 A3 78 79 7A")] // stream item without item
    [InlineData("93 03 80 A1 31")] // completion without result kind
    [InlineData("94 03 80 A1 31 01")] // error completion without error
    [InlineData("94 03 80 A1 31 03")] // non-void completion without result
    [InlineData("92 05 80")] // cancel without id
    [InlineData("91 07")] // close without error slot
    [InlineData("91 08")] // ack without id
    [InlineData("91 09")] // sequence without id
    public void Missing_elements_are_protocol_errors(string bodyHex)
    {
        Assert.Contains("expected at least", AssertProtocolError(Frame(bodyHex)).Message);
    }

    [Theory]
    [InlineData("91 A1 31")] // type is a string
    [InlineData("91 C0")] // type is nil
    [InlineData("96 01 90 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90")] // headers is an array
    [InlineData("96 01 C0 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90")] // headers is nil
    [InlineData("96 01 81 A1 78 01 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90")] // header value is an int
    [InlineData("96 01 80 2A A6 6D 65 74 68 6F 64 91 2A 90")] // id is an int
    [InlineData("96 01 80 A3 78 79 7A C0 91 2A 90")] // target is nil
    [InlineData("96 01 80 A3 78 79 7A A0 91 2A 90")] // target is empty
    [InlineData("96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 2A 90")] // arguments not an array
    [InlineData("96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 2A")] // streamIds not an array
    [InlineData("96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 91 2A")] // stream id not a string
    [InlineData("96 04 80 C0 A6 6D 65 74 68 6F 64 91 2A 90")] // stream invocation without id
    [InlineData("94 02 80 C0 2A")] // stream item with nil id
    [InlineData("95 03 80 A1 31 01 2A")] // error is not a string
    [InlineData("94 03 80 2A 02")] // completion id is an int
    [InlineData("93 05 80 C0")] // cancel with nil id
    [InlineData("92 07 2A")] // close error is an int
    [InlineData("93 07 C0 01")] // allowReconnect is an int
    [InlineData("92 08 A1 31")] // ack id is a string
    [InlineData("92 09 C0")] // sequence id is nil
    [InlineData("92 08 CF FF FF FF FF FF FF FF FF")] // ack id overflows a long
    [InlineData("91 06 C1")] // bytes after the array
    [InlineData("92 06 C1")] // never-used code as an extra element
    public void Wrong_element_types_are_protocol_errors(string bodyHex)
    {
        AssertProtocolError(Frame(bodyHex));
    }

    [Theory]
    [InlineData("96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91")] // args array declares one element, body ends
    [InlineData("96 01 80 A3 78 79 7A A6 6D 65 74 68 6F")] // target string cut
    [InlineData("92 08 CD 00")] // integer cut
    public void Array_longer_than_its_frame_is_a_protocol_error(string bodyHex)
    {
        AssertProtocolError(Frame(bodyHex));
    }

    [Theory]
    [InlineData("96 01 DF 7F FF FF FF")] // headers map claims 2^31 entries
    [InlineData("96 01 80 A1 31 A6 6D 65 74 68 6F 64 DD 7F FF FF FF")] // args array claims 2^31 elements
    [InlineData("96 01 80 A1 31 A6 6D 65 74 68 6F 64 91 2A DD 7F FF FF FF")] // streamIds array claims 2^31 elements
    [InlineData("96 01 80 A1 31 A6 6D 65 74 68 6F 64 91 2A 90 DF FF FF FF FF")] // huge extra map
    public void Lying_collection_sizes_do_not_allocate_and_are_protocol_errors(string bodyHex)
    {
        AssertProtocolError(Frame(bodyHex));
    }

    [Fact]
    public void Deep_nesting_does_not_overflow_the_stack()
    {
        const int depth = 200_000;
        var nested = new byte[depth + 1];
        Array.Fill(nested, (byte)0x91);
        nested[depth] = 0x2A;

        // As an argument bound to object: the serializer's depth limit refuses it, a binding failure.
        var body = Bytes.FromHex("96 01 80 A1 31 A1 6D 91").Concat(nested).Concat(Bytes.FromHex("90")).ToArray();
        var buffer = new ReadOnlySequence<byte>(Frame(body));
        Assert.True(_protocol.TryParseMessage(ref buffer, Binder(), out var message));
        Assert.IsType<InvocationBindingFailureMessage>(message);

        // As an ignored extra element: skipped without recursion.
        var extra = Bytes.FromHex("97 01 80 A1 31 A1 6D 91 2A 90").Concat(nested).ToArray();
        buffer = new ReadOnlySequence<byte>(Frame(extra));
        Assert.True(_protocol.TryParseMessage(ref buffer, Binder(), out message));
        Assert.IsType<InvocationMessage>(message);

        // As the arguments of an unknown method: skipped without recursion.
        var unknown = Bytes.FromHex("96 01 80 A1 31 A1 7A 91").Concat(nested).Concat(Bytes.FromHex("90")).ToArray();
        buffer = new ReadOnlySequence<byte>(Frame(unknown));
        Assert.True(_protocol.TryParseMessage(ref buffer, Binder(), out message));
        Assert.IsType<InvocationBindingFailureMessage>(message);
    }

    [Theory]
    [InlineData("91 00")]
    [InlineData("91 0A")]
    [InlineData("91 7F")]
    [InlineData("91 FF")] // -1
    [InlineData("93 63 C1 C1")] // type 99 with garbage content: not validated
    [InlineData("91 CF FF FF FF FF FF FF FF FF")] // beyond long: still just an unknown type
    public void Unknown_message_types_are_skipped_and_the_next_frame_parses(string bodyHex)
    {
        var bytes = Frame(bodyHex).Concat(Bytes.FromHex("02 91 06")).ToArray();
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(_protocol.TryParseMessage(ref buffer, Binder(), out var message));
        Assert.Same(PingMessage.Instance, message);
        Assert.True(buffer.IsEmpty);

        // Alone: false, with the skipped frame consumed.
        var alone = new ReadOnlySequence<byte>(Frame(bodyHex));
        Assert.False(_protocol.TryParseMessage(ref alone, Binder(), out message));
        Assert.Null(message);
        Assert.True(alone.IsEmpty);

        // Followed by an incomplete frame: false, input starts at the incomplete frame.
        var partial = new ReadOnlySequence<byte>(Frame(bodyHex).Concat(Bytes.FromHex("02 91")).ToArray());
        Assert.False(_protocol.TryParseMessage(ref partial, Binder(), out _));
        Assert.Equal("02 91", Bytes.ToHex(partial.ToArray()));
    }
}
