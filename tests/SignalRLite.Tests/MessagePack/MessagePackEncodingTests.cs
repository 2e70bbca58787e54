using System.Buffers;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

/// <summary>Byte-exact writer output, PROTOCOL.md §14.2 and §14.3 plus the spec's body examples.</summary>
public class MessagePackEncodingTests
{
    private readonly MessagePackHubProtocol _protocol = new();

    public static TheoryData<string, string> Examples => new()
    {
        { "ping", "02 91 06" },
        { "receive-hi", "11 96 01 80 C0 A7 52 65 63 65 69 76 65 91 A2 68 69 90" },
        { "completion-void", "06 94 03 80 A1 31 02" },
        { "completion-42", "07 95 03 80 A1 31 03 2A" },
        { "completion-null", "07 95 03 80 A1 31 03 C0" },
        { "completion-boom", "0B 95 03 80 A1 31 01 A4 62 6F 6F 6D" },
        { "completion-spec-error", "0E 95 03 80 A3 78 79 7A 01 A5 45 72 72 6F 72" },
        { "close", "04 93 07 C0 C2" },
        { "close-reconnect", "04 93 07 C0 C3" },
        { "close-error", "07 93 07 A3 78 79 7A C2" },
        { "close-error-reconnect", "07 93 07 A3 78 79 7A C3" },
        { "ack-36", "03 92 08 24" },
        { "ack-large", "0B 92 08 CF 00 00 00 01 00 00 00 00" },
        { "sequence-19", "03 92 09 13" },
        { "invocation-xyz", "11 96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90" },
        { "invocation-nonblocking", "0E 96 01 80 C0 A6 6D 65 74 68 6F 64 91 2A 90" },
        { "invocation-headers", "19 96 01 82 A1 78 A1 79 A1 7A A1 7A A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90" },
        { "invocation-streamids", "14 96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 90 92 A1 61 A1 62" },
        { "invocation-nil-args", "12 96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 92 C0 C0 90" },
        { "stream-invocation", "11 96 04 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90" },
        { "stream-item", "08 94 02 80 A3 78 79 7A 2A" },
        { "cancel", "07 93 05 80 A3 78 79 7A" },
    };

    internal static HubMessage Message(string name) => name switch
    {
        "ping" => PingMessage.Instance,
        "receive-hi" => new InvocationMessage("Receive", new object?[] { "hi" }),
        "completion-void" => CompletionMessage.Empty("1"),
        "completion-42" => CompletionMessage.WithResult("1", 42),
        "completion-null" => CompletionMessage.WithResult("1", null),
        "completion-boom" => CompletionMessage.WithError("1", "boom"),
        "completion-spec-error" => CompletionMessage.WithError("xyz", "Error"),
        "close" => CloseMessage.Empty,
        "close-reconnect" => new CloseMessage(null, allowReconnect: true),
        "close-error" => new CloseMessage("xyz"),
        "close-error-reconnect" => new CloseMessage("xyz", allowReconnect: true),
        "ack-36" => new AckMessage(36),
        "ack-large" => new AckMessage(1L << 32),
        "sequence-19" => new SequenceMessage(19),
        "invocation-xyz" => new InvocationMessage("xyz", "method", new object?[] { 42 }),
        "invocation-nonblocking" => new InvocationMessage("method", new object?[] { 42 }),
        "invocation-headers" => new InvocationMessage("xyz", "method", new object?[] { 42 })
        {
            Headers = new Dictionary<string, string> { ["x"] = "y", ["z"] = "z" },
        },
        "invocation-streamids" => new InvocationMessage("xyz", "method", Array.Empty<object?>(), new[] { "a", "b" }),
        "invocation-nil-args" => new InvocationMessage("xyz", "method", new object?[] { null, null }),
        "stream-invocation" => new StreamInvocationMessage("xyz", "method", new object?[] { 42 }),
        "stream-item" => new StreamItemMessage("xyz", 42),
        "cancel" => new CancelInvocationMessage("xyz"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void GetMessageBytes_is_byte_exact(string name, string hex)
    {
        Assert.Equal(hex, Bytes.ToHex(_protocol.GetMessageBytes(Message(name))));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void WriteMessage_is_byte_exact(string name, string hex)
    {
        var output = new ArrayBufferWriter<byte>(1);
        _protocol.WriteMessage(Message(name), output);
        Assert.Equal(hex, Bytes.ToHex(output.WrittenSpan));
    }

    [Fact]
    public void Consecutive_writes_append_frames()
    {
        var output = new ArrayBufferWriter<byte>();
        _protocol.WriteMessage(PingMessage.Instance, output);
        _protocol.WriteMessage(CloseMessage.Empty, output);
        Assert.Equal("02 91 06 04 93 07 C0 C2", Bytes.ToHex(output.WrittenSpan));
    }

    [Fact]
    public void Large_body_gets_a_multi_byte_prefix()
    {
        var payload = new string('a', 300);
        var bytes = _protocol.GetMessageBytes(new StreamItemMessage("1", payload)).ToArray();

        // body: 94 02 80 A1 31 DA 01 2C <300 bytes> = 308 bytes => prefix B4 02
        Assert.Equal("B4 02 94 02 80 A1 31 DA 01 2C", Bytes.ToHex(bytes.AsSpan(0, 10)));
        Assert.Equal(2 + 308, bytes.Length);
    }

    [Fact]
    public void Very_large_messages_survive_buffer_growth_and_later_small_writes()
    {
        var big = new byte[200_000];
        Random.Shared.NextBytes(big);
        var bytes = _protocol.GetMessageBytes(new StreamItemMessage("1", big));
        var binder = new TestBinder().Stream("1", typeof(byte[]));
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(_protocol.TryParseMessage(ref buffer, binder, out var message));
        Assert.Equal(big, Assert.IsType<byte[]>(Assert.IsType<StreamItemMessage>(message).Item));

        Assert.Equal("02 91 06", Bytes.ToHex(_protocol.GetMessageBytes(PingMessage.Instance)));
    }

    [Fact]
    public void DateTime_is_written_as_the_timestamp_extension()
    {
        var when = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var bytes = _protocol.GetMessageBytes(new StreamItemMessage("1", when)).ToArray();

        // 94 02 80 A1 31 then fixext4 type -1 (timestamp32) with the seconds since the epoch.
        var seconds = (uint)new DateTimeOffset(when).ToUnixTimeSeconds();
        var expected = $"0B 94 02 80 A1 31 D6 FF {seconds >> 24:X2} {(seconds >> 16) & 0xFF:X2} {(seconds >> 8) & 0xFF:X2} {seconds & 0xFF:X2}";
        Assert.Equal(expected, Bytes.ToHex(bytes));

        var withMillis = _protocol.GetMessageBytes(new StreamItemMessage("1", when.AddMilliseconds(5))).ToArray();
        Assert.Equal("D7 FF", Bytes.ToHex(withMillis.AsSpan(6, 2))); // timestamp64
    }

    [Fact]
    public void Poco_is_written_as_a_map_with_PascalCase_keys()
    {
        var person = new Person { Name = "Ann", Age = 7 };
        var bytes = _protocol.GetMessageBytes(new StreamItemMessage("1", person)).ToArray();
        Assert.Equal(0x85, bytes[6]); // fixmap with 5 entries
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        Assert.Contains("Name", text);
        Assert.Contains("Age", text);
        Assert.DoesNotContain("name", text);
    }

    [Fact]
    public void Enum_is_written_as_its_name_like_the_official_protocol()
    {
        Assert.Equal("0A 94 02 80 A1 31 A4 42 6C 75 65", Bytes.ToHex(_protocol.GetMessageBytes(new StreamItemMessage("1", Color.Blue))));
    }

    [Fact]
    public void A_failing_serialisation_leaves_the_output_untouched()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.ThrowsAny<Exception>(() => _protocol.WriteMessage(new StreamItemMessage("1", new Exploding()), output));
        Assert.Equal(0, output.WrittenCount);
        _protocol.WriteMessage(PingMessage.Instance, output);
        Assert.Equal("02 91 06", Bytes.ToHex(output.WrittenSpan));
    }

    [MessagePack.MessagePackFormatter(typeof(ExplodingFormatter))]
    public sealed class Exploding
    {
    }

    public sealed class ExplodingFormatter : MessagePack.Formatters.IMessagePackFormatter<Exploding>
    {
        public void Serialize(ref MessagePack.MessagePackWriter writer, Exploding value, MessagePack.MessagePackSerializerOptions options)
        {
            writer.WriteArrayHeader(3);
            writer.Write(1);
            throw new InvalidOperationException("boom");
        }

        public Exploding Deserialize(ref MessagePack.MessagePackReader reader, MessagePack.MessagePackSerializerOptions options) => throw new NotSupportedException();
    }

    [Fact]
    public void Handshake_and_binding_failure_messages_are_not_writable()
    {
        Assert.Throws<InvalidOperationException>(() => _protocol.GetMessageBytes(new HandshakeRequestMessage("messagepack", 1)));
        Assert.Throws<InvalidOperationException>(() => _protocol.GetMessageBytes(
            new StreamBindingFailureMessage("1", System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(new Exception()))));
    }

    [Fact]
    public void Protocol_identity()
    {
        Assert.Equal("messagepack", _protocol.Name);
        Assert.Equal(2, _protocol.Version);
        Assert.Equal(Microsoft.AspNetCore.Connections.TransferFormat.Binary, _protocol.TransferFormat);
        Assert.True(_protocol.IsVersionSupported(1));
        Assert.True(_protocol.IsVersionSupported(2));
        Assert.True(_protocol.IsVersionSupported(0));
        Assert.True(_protocol.IsVersionSupported(-1));
        Assert.False(_protocol.IsVersionSupported(3));
    }
}
