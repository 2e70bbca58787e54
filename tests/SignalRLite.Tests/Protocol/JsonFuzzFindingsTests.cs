using System.Buffers;
using System.Text;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.Protocol;

/// <summary>
/// Hostile inputs found by fuzzing the JSON hub protocol and the handshake (tests/Fuzz): each used to
/// escape as an exception other than <see cref="InvalidDataException"/>.
/// </summary>
public class JsonFuzzFindingsTests
{
    private const string RS = "\u001e";
    private static readonly JsonHubProtocol Protocol = new();
    private static readonly TestBinder Binder = new(
        methods: new() { ["Send"] = [typeof(int), typeof(string)], ["Obj"] = [typeof(object)] },
        returns: new() { ["1"] = typeof(int) },
        streams: new() { ["10"] = typeof(int) });

    // Utf8JsonReader.GetString throws InvalidOperationException for a lone surrogate escape or invalid UTF-8.
    [Theory]
    [InlineData("{\"type\":1,\"target\":\"\\ud800\",\"arguments\":[]}")]
    [InlineData("{\"type\":1,\"invocationId\":\"\\udc00\",\"target\":\"Send\",\"arguments\":[1,\"x\"]}")]
    [InlineData("{\"type\":1,\"headers\":{\"\\ud800\":\"v\"},\"target\":\"Send\",\"arguments\":[1,\"x\"]}")]
    [InlineData("{\"type\":1,\"headers\":{\"k\":\"\\ud800x\"},\"target\":\"Send\",\"arguments\":[1,\"x\"]}")]
    [InlineData("{\"type\":1,\"target\":\"Send\",\"arguments\":[1,\"x\"],\"streamIds\":[\"\\ude00\"]}")]
    [InlineData("{\"type\":3,\"invocationId\":\"1\",\"error\":\"\\ud83d\"}")]
    [InlineData("{\"type\":7,\"error\":\"\\udfff\\ud800\"}")]
    public void LoneSurrogateInAStringPropertyIsInvalidData(string json)
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json + RS));
        Assert.Throws<InvalidDataException>(() => Protocol.TryParseMessage(ref input, Binder, out _));
    }

    [Theory]
    [InlineData("target")]
    [InlineData("invocationId")]
    [InlineData("error")]
    public void InvalidUtf8InAStringPropertyIsInvalidData(string property)
    {
        // Latin-1 keeps 0xFF as one raw byte, which never appears in UTF-8.
        var bytes = Encoding.Latin1.GetBytes($"{{\"type\":3,\"{property}\":\"a\u00ffb\",\"invocationId\":\"1\"}}" + RS);
        var input = new ReadOnlySequence<byte>(bytes);
        Assert.Throws<InvalidDataException>(() => Protocol.TryParseMessage(ref input, Binder, out _));
    }

    [Fact]
    public void LoneSurrogateInAnArgumentIsABindingFailureForStringsAndAJsonElementForObject()
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"Send\",\"arguments\":[1,\"\\ud800\"]}" + RS));
        Assert.True(Protocol.TryParseMessage(ref input, Binder, out var message));
        Assert.IsType<InvocationBindingFailureMessage>(message);

        input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"Obj\",\"arguments\":[\"\\ud800\"]}" + RS));
        Assert.True(Protocol.TryParseMessage(ref input, Binder, out message));
        Assert.IsType<InvocationMessage>(message);
    }

    // System.Text.Json's multi-segment reader threw IndexOutOfRangeException (or an exception wrapping
    // DecoderFallbackException) for a literal truncated at the end of the data; the parser now reads
    // multi-segment payloads from a contiguous copy.
    [Theory]
    [InlineData("{\"type\":1,\"target\":\"Obj\",\"arguments\":[nu")]
    [InlineData("{\"type\":1,\"target\":\"Obj\",\"arguments\":[tr")]
    [InlineData("{\"arguments\":[{\"k\":[true,n")]
    [InlineData("{\"type\":6,\"x\":f\u00ce")]
    [InlineData("{\"type\":6,\"x\":[n\u00ff]}")]
    public void TruncatedLiteralSplitAcrossSegmentsIsInvalidData(string json)
    {
        // Latin-1: \u00ce and \u00ff stay single raw bytes (invalid UTF-8).
        var bytes = Encoding.Latin1.GetBytes(json + RS);
        for (var segmentSize = 1; segmentSize <= bytes.Length; segmentSize++)
        {
            var input = SegmentedSequence.Create(bytes, segmentSize);
            Assert.Throws<InvalidDataException>(() => Protocol.TryParseMessage(ref input, Binder, out _));
        }
    }

    [Fact]
    public void MultiSegmentMessagesStillParse()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"Obj\",\"arguments\":[{\"a\":[null,true,1.5]}]}" + RS + "{\"type\":6}" + RS);
        for (var segmentSize = 1; segmentSize <= bytes.Length; segmentSize++)
        {
            var input = SegmentedSequence.Create(bytes, segmentSize);
            Assert.True(Protocol.TryParseMessage(ref input, Binder, out var first));
            Assert.Equal("{\"a\":[null,true,1.5]}", ((System.Text.Json.JsonElement)((InvocationMessage)first!).Arguments[0]!).GetRawText());
            Assert.True(Protocol.TryParseMessage(ref input, Binder, out var second));
            Assert.IsType<PingMessage>(second);
            Assert.True(input.IsEmpty);
        }
    }

    // Utf8JsonReader.ValueTextEquals throws InvalidOperationException for an escaped property name
    // holding a lone surrogate.
    [Theory]
    [InlineData("{\"\\ude00\":1,\"type\":6}")]
    [InlineData("{\"type\":6,\"x\\ud800\":1}")]
    [InlineData("{\"type\":1,\"headers\":{\"\\ud800\":\"v\"},\"target\":\"Send\",\"arguments\":[1,\"x\"]}")]
    public void LoneSurrogateInAPropertyNameIsInvalidData(string json)
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json + RS));
        Assert.Throws<InvalidDataException>(() => Protocol.TryParseMessage(ref input, Binder, out _));
        input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json.Replace("\"type\":6", "\"protocol\":\"json\",\"version\":1") + RS));
        Assert.Throws<InvalidDataException>(() => HandshakeProtocol.TryParseRequestMessage(ref input, out _));
    }

    [Fact]
    public void ValidEscapedPropertyNamesStillMatch()
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"\\u0074ype\":1,\"targ\\u0065t\":\"Send\",\"argument\\u0073\":[1,\"\\ud83d\\ude00\"]}" + RS));
        Assert.True(Protocol.TryParseMessage(ref input, Binder, out var message));
        var invocation = Assert.IsType<InvocationMessage>(message);
        Assert.Equal("Send", invocation.Target);
        Assert.Equal("\ud83d\ude00", invocation.Arguments[1]);
    }

    // A payload is bound to the types chosen by target / invocationId. A second target or id used to
    // replace the first after binding: arguments bound for Ints(int[]) arrived as an invocation of
    // another method, a result bound for pending invocation "1" (int) completed invocation "2".
    [Theory]
    [InlineData("{\"type\":1,\"target\":\"Send\",\"arguments\":[1,\"x\"],\"target\":\"Obj\"}")]
    [InlineData("{\"type\":1,\"target\":\"Send\",\"target\":\"Send\",\"arguments\":[1,\"x\"]}")]
    [InlineData("{\"type\":3,\"invocationId\":\"1\",\"result\":4,\"invocationId\":\"2\"}")]
    [InlineData("{\"type\":2,\"invocationId\":\"10\",\"item\":4,\"invocationId\":\"11\"}")]
    [InlineData("{\"type\":1,\"invocationId\":null,\"invocationId\":\"7\",\"target\":\"Send\",\"arguments\":[1,\"x\"]}")]
    public void DuplicateTargetOrInvocationIdIsInvalidData(string json)
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json + RS));
        Assert.Throws<InvalidDataException>(() => Protocol.TryParseMessage(ref input, Binder, out _));
    }

    [Theory]
    [InlineData("{\"protocol\":\"\\ud800\",\"version\":1}")]
    [InlineData("{\"protocol\":\"js\u00ffn\",\"version\":1}")]
    [InlineData("{\"protocol\":\"json\",\"version\":1,\"x\":tr")]
    [InlineData("{\"protocol\":\"json\",\"x\":[n\u00ce")]
    public void HostileHandshakeRequestsAreInvalidData(string json)
    {
        var bytes = Encoding.Latin1.GetBytes(json + RS);
        for (var segmentSize = 1; segmentSize <= bytes.Length; segmentSize++)
        {
            var input = SegmentedSequence.Create(bytes, segmentSize);
            Assert.Throws<InvalidDataException>(() => HandshakeProtocol.TryParseRequestMessage(ref input, out _));
        }
    }

    [Fact]
    public void HostileHandshakeResponseIsInvalidData()
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"error\":\"\\ud800\"}" + RS));
        Assert.Throws<InvalidDataException>(() => HandshakeProtocol.TryParseResponseMessage(ref input, out _));
    }
}
