using System.Buffers;
using SignalRLite.Internal.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

public class BinaryFramingTests
{
    public static TheoryData<int, string> VarIntTable => new()
    {
        { 0, "00" },
        { 53, "35" },
        { 127, "7F" },
        { 128, "80 01" },
        { 300, "AC 02" },
        { 5248, "80 29" },
        { 16384, "80 80 01" },
        { 0x7FFFFFFF, "FF FF FF FF 07" },
    };

    [Theory]
    [MemberData(nameof(VarIntTable))]
    public void Formatter_writes_the_VarInt_table(int length, string hex)
    {
        var span = new byte[5];
        var written = BinaryMessageFormatter.WriteLengthPrefix(length, span);
        Assert.Equal(hex, Bytes.ToHex(span.AsSpan(0, written)));
        Assert.Equal(written, BinaryMessageFormatter.LengthPrefixLength(length));

        var output = new ArrayBufferWriter<byte>();
        BinaryMessageFormatter.WriteLengthPrefix(length, output);
        Assert.Equal(hex, Bytes.ToHex(output.WrittenSpan));
    }

    [Theory]
    [MemberData(nameof(VarIntTable))]
    public void Parser_reads_the_VarInt_table(int length, string hex)
    {
        var prefix = Bytes.FromHex(hex);
        Assert.True(BinaryMessageParser.TryReadLengthPrefix(new ReadOnlySequence<byte>(prefix), out var bodyLength, out var prefixLength));
        Assert.Equal(length, bodyLength);
        Assert.Equal(prefix.Length, prefixLength);

        Assert.True(BinaryMessageParser.TryReadLengthPrefix(Bytes.Fragmented(prefix), out bodyLength, out prefixLength));
        Assert.Equal(length, bodyLength);
        Assert.Equal(prefix.Length, prefixLength);
    }

    [Fact]
    public void Prefix_80_01_delimits_a_128_byte_body()
    {
        var frame = new byte[2 + 128 + 3];
        frame[0] = 0x80;
        frame[1] = 0x01;
        for (var i = 0; i < 128; i++)
        {
            frame[2 + i] = (byte)i;
        }

        frame[130] = 0x05; // the start of a second frame, incomplete
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.True(BinaryMessageParser.TryParseMessage(ref buffer, out var payload));
        Assert.Equal(128, payload.Length);
        Assert.Equal(frame.AsSpan(2, 128).ToArray(), payload.ToArray());
        Assert.Equal(3, buffer.Length);

        var before = buffer;
        Assert.False(BinaryMessageParser.TryParseMessage(ref buffer, out _));
        Assert.Equal(before, buffer);
    }

    [Fact]
    public void Parses_several_frames_in_one_buffer_and_fragmented()
    {
        var bytes = Bytes.FromHex("0B 68 65 6C 6C 6F 0A 77 6F 72 6C 64 02 01 02");
        foreach (var input in new[] { new ReadOnlySequence<byte>(bytes), Bytes.Fragmented(bytes) })
        {
            var buffer = input;
            Assert.True(BinaryMessageParser.TryParseMessage(ref buffer, out var first));
            Assert.Equal("hello\nworld", System.Text.Encoding.UTF8.GetString(first.ToArray()));
            Assert.True(BinaryMessageParser.TryParseMessage(ref buffer, out var second));
            Assert.Equal(new byte[] { 1, 2 }, second.ToArray());
            Assert.True(buffer.IsEmpty);
            Assert.False(BinaryMessageParser.TryParseMessage(ref buffer, out _));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("FF FF FF FF")]
    [InlineData("05 91 06")]
    [InlineData("80 01 00 00")]
    public void Incomplete_input_returns_false_and_leaves_the_buffer_unchanged(string hex)
    {
        var bytes = Bytes.FromHex(hex);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.False(BinaryMessageParser.TryParseMessage(ref buffer, out _));
        Assert.Equal(bytes.Length, buffer.Length);
        Assert.Equal(new ReadOnlySequence<byte>(bytes).Start, buffer.Start);
    }

    [Theory]
    [InlineData("FF FF FF FF 08")] // 0x80000000: over 2 GB - 1
    [InlineData("FF FF FF FF 0F")]
    [InlineData("80 80 80 80 80 01")] // six bytes
    [InlineData("FF FF FF FF FF")] // fifth byte continues
    [InlineData("80 80 80 80 10 00")]
    public void Oversized_or_overlong_prefix_is_a_protocol_error(string hex)
    {
        var buffer = new ReadOnlySequence<byte>(Bytes.FromHex(hex));
        var ex = Assert.Throws<InvalidDataException>(() => BinaryMessageParser.TryParseMessage(ref buffer, out _));
        Assert.Contains("2GB", ex.Message);
        Assert.Throws<InvalidDataException>(() => BinaryMessageParser.TryReadLengthPrefix(Bytes.Fragmented(Bytes.FromHex(hex)), out _, out _));
    }
}
