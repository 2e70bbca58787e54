using System.Buffers;
using System.Text;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.Protocol;

public class HandshakeProtocolTests
{
    private const char RS = '\u001e';

    private static ReadOnlySequence<byte> Bytes(string s) => new(Encoding.UTF8.GetBytes(s));

    [Theory]
    [InlineData("json", 1)]
    [InlineData("messagepack", 2)]
    public void ParsesRequests(string protocol, int version)
    {
        var input = Bytes($"{{\"protocol\":\"{protocol}\",\"version\":{version}}}" + RS);
        Assert.True(HandshakeProtocol.TryParseRequestMessage(ref input, out var request));
        Assert.Equal(protocol, request.Protocol);
        Assert.Equal(version, request.Version);
        Assert.True(input.IsEmpty);
    }

    [Fact]
    public void KeepsBytesAfterTheSeparatorAndIgnoresUnknownProperties()
    {
        var input = Bytes("{\"version\":1,\"extra\":{\"a\":[1]},\"protocol\":\"json\"}" + RS + "{\"type\":6}" + RS);
        Assert.True(HandshakeProtocol.TryParseRequestMessage(ref input, out var request));
        Assert.Equal("json", request.Protocol);
        Assert.Equal("{\"type\":6}" + RS, Encoding.UTF8.GetString(input.ToArray()));
    }

    [Fact]
    public void WaitsForTheSeparator()
    {
        var input = Bytes("{\"protocol\":\"json\",");
        Assert.False(HandshakeProtocol.TryParseRequestMessage(ref input, out _));
        Assert.Equal(19, input.Length);
    }

    [Fact]
    public void ParsesARequestSplitAcrossSegments()
    {
        var input = SegmentedSequence.Create(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}" + RS), 2);
        Assert.True(HandshakeProtocol.TryParseRequestMessage(ref input, out var request));
        Assert.Equal("json", request.Protocol);
    }

    [Theory]
    [InlineData("{\"protocol\":\"json\"}")]
    [InlineData("{\"version\":1}")]
    [InlineData("{\"protocol\":1,\"version\":1}")]
    [InlineData("{\"protocol\":\"json\",\"version\":\"1\"}")]
    [InlineData("garbage")]
    [InlineData("[]")]
    [InlineData("{\"protocol\":\"json\",\"version\":1")]
    [InlineData("")]
    public void RejectsMalformedRequests(string text)
    {
        var input = Bytes(text + RS);
        Assert.Throws<InvalidDataException>(() => HandshakeProtocol.TryParseRequestMessage(ref input, out _));
    }

    [Fact]
    public void WritesResponsesByteForByte()
    {
        var output = new ArrayBufferWriter<byte>();
        HandshakeProtocol.WriteResponseMessage(HandshakeResponseMessage.Empty, output);
        Assert.Equal(new byte[] { (byte)'{', (byte)'}', 0x1e }, output.WrittenSpan.ToArray());
        Assert.Equal(output.WrittenSpan.ToArray(), HandshakeProtocol.SuccessResponse.ToArray());

        output = new ArrayBufferWriter<byte>();
        HandshakeProtocol.WriteResponseMessage(new HandshakeResponseMessage("Requested protocol 'xml' is not available."), output);
        Assert.Equal("{\"error\":\"Requested protocol 'xml' is not available.\"}" + RS, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WritesAndParsesRequestsAndResponsesRoundTrip()
    {
        var output = new ArrayBufferWriter<byte>();
        HandshakeProtocol.WriteRequestMessage(new HandshakeRequestMessage("messagepack", 1), output);
        Assert.Equal("{\"protocol\":\"messagepack\",\"version\":1}" + RS, Encoding.UTF8.GetString(output.WrittenSpan));

        var response = Bytes("{\"error\":\"nope\"}" + RS);
        Assert.True(HandshakeProtocol.TryParseResponseMessage(ref response, out var parsed));
        Assert.Equal("nope", parsed.Error);
    }
}
