using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.Protocol;

public class JsonHubProtocolTests
{
    private const char RS = '\u001e';
    private static readonly JsonHubProtocol Protocol = new();

    private static string Write(HubMessage message, JsonHubProtocol? protocol = null)
    {
        var output = new ArrayBufferWriter<byte>();
        (protocol ?? Protocol).WriteMessage(message, output);
        var viaWrite = Encoding.UTF8.GetString(output.WrittenSpan);
        var viaBytes = Encoding.UTF8.GetString((protocol ?? Protocol).GetMessageBytes(message).Span);
        Assert.Equal(viaWrite, viaBytes);
        return viaWrite;
    }

    private static HubMessage? Parse(string text, IInvocationBinder? binder = null, JsonHubProtocol? protocol = null)
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        Assert.True((protocol ?? Protocol).TryParseMessage(ref input, binder ?? Binder, out var message));
        Assert.True(input.IsEmpty);
        return message;
    }

    private static readonly TestBinder Binder = new(
        methods: new()
        {
            ["Send"] = [typeof(int), typeof(string)],
            ["Target"] = [typeof(int)],
            ["None"] = [],
            ["Poco"] = [typeof(Person)],
            ["Many"] = [typeof(int[]), typeof(int?), typeof(Color), typeof(JsonElement), typeof(object)],
        },
        returns: new() { ["7"] = typeof(string), ["8"] = typeof(int) },
        streams: new() { ["s1"] = typeof(int) });

    public record Person(string FirstName, int Age);

    public enum Color { Red, Green, Blue }

    [Theory]
    [InlineData("{\"type\":1,\"target\":\"Target\",\"arguments\":[42]}")]
    [InlineData("{\"type\":1,\"invocationId\":\"123\",\"target\":\"Target\",\"arguments\":[42]}")]
    [InlineData("{\"type\":1,\"invocationId\":\"123\",\"target\":\"Target\",\"arguments\":[42],\"streamIds\":[\"1\",\"2\"]}")]
    [InlineData("{\"type\":1,\"headers\":{\"a\":\"b\"},\"invocationId\":\"123\",\"target\":\"Target\",\"arguments\":[42]}")]
    [InlineData("{\"type\":4,\"invocationId\":\"123\",\"target\":\"Target\",\"arguments\":[42]}")]
    [InlineData("{\"type\":2,\"invocationId\":\"123\",\"item\":42}")]
    [InlineData("{\"type\":2,\"invocationId\":\"123\",\"item\":null}")]
    [InlineData("{\"type\":3,\"invocationId\":\"123\"}")]
    [InlineData("{\"type\":3,\"invocationId\":\"123\",\"result\":42}")]
    [InlineData("{\"type\":3,\"invocationId\":\"123\",\"result\":null}")]
    [InlineData("{\"type\":3,\"invocationId\":\"123\",\"error\":\"It didn't work!\"}")]
    [InlineData("{\"type\":5,\"invocationId\":\"123\"}")]
    [InlineData("{\"type\":6}")]
    [InlineData("{\"type\":7}")]
    [InlineData("{\"type\":7,\"error\":\"Connection closed with an error.\"}")]
    [InlineData("{\"type\":7,\"error\":\"Server is shutting down.\",\"allowReconnect\":true}")]
    [InlineData("{\"type\":8,\"sequenceId\":1394}")]
    [InlineData("{\"type\":9,\"sequenceId\":1234}")]
    public void WritesEveryMessageTypeByteForByte(string expectedJson)
    {
        // Parse with a binder that knows the payload types, write it back, compare bytes.
        var binder = new TestBinder(
            methods: new() { ["Target"] = [typeof(int)] },
            returns: new() { ["123"] = typeof(int?) },
            streams: new() { ["123"] = typeof(int?) });
        var message = Parse(expectedJson + RS, binder);
        Assert.Equal(expectedJson + RS, Write(message!));
    }

    [Fact]
    public void WritesServerMessagesExactly()
    {
        Assert.Equal("{\"type\":1,\"target\":\"ReceiveMessage\",\"arguments\":[\"alice\",\"hi\"]}" + RS,
            Write(new InvocationMessage("ReceiveMessage", ["alice", "hi"])));
        Assert.Equal("{\"type\":3,\"invocationId\":\"1\",\"result\":{\"firstName\":\"Ann\",\"age\":3}}" + RS,
            Write(CompletionMessage.WithResult("1", new Person("Ann", 3))));
        Assert.Equal("{\"type\":3,\"invocationId\":\"1\",\"result\":null}" + RS, Write(CompletionMessage.WithResult("1", null)));
        Assert.Equal("{\"type\":3,\"invocationId\":\"1\"}" + RS, Write(CompletionMessage.Empty("1")));
        Assert.Equal("{\"type\":6}" + RS, Write(PingMessage.Instance));
        Assert.Equal("{\"type\":7}" + RS, Write(CloseMessage.Empty));
        Assert.Equal("{\"type\":1,\"target\":\"M\",\"arguments\":[\"AQID\",2,\"é\\\"\"]}" + RS,
            Write(new InvocationMessage("M", [new byte[] { 1, 2, 3 }, Color.Blue, "é\""])));
    }

    [Fact]
    public void ParsesInvocationWithAndWithoutId()
    {
        var blocking = Assert.IsType<InvocationMessage>(Parse("{\"type\":1,\"invocationId\":\"123\",\"target\":\"Send\",\"arguments\":[42,\"Test Message\"]}" + RS));
        Assert.Equal("123", blocking.InvocationId);
        Assert.Equal("Send", blocking.Target);
        Assert.Equal(new object?[] { 42, "Test Message" }, blocking.Arguments);

        var nonBlocking = Assert.IsType<InvocationMessage>(Parse("{\"type\":1,\"target\":\"Send\",\"arguments\":[42,\"x\"]}" + RS));
        Assert.Null(nonBlocking.InvocationId);

        var nullId = Assert.IsType<InvocationMessage>(Parse("{\"type\":1,\"invocationId\":null,\"target\":\"None\",\"arguments\":[]}" + RS));
        Assert.Null(nullId.InvocationId);
    }

    [Fact]
    public void BindsArgumentsThatComeBeforeTheTarget()
    {
        var message = Assert.IsType<InvocationMessage>(Parse("{\"arguments\":[1,\"a\"],\"target\":\"Send\",\"type\":1}" + RS));
        Assert.Equal(new object?[] { 1, "a" }, message.Arguments);
        var item = Assert.IsType<StreamItemMessage>(Parse("{\"item\":5,\"type\":2,\"invocationId\":\"s1\"}" + RS));
        Assert.Equal(5, item.Item);
        var result = Assert.IsType<CompletionMessage>(Parse("{\"result\":7,\"invocationId\":\"8\",\"type\":3}" + RS));
        Assert.Equal(7, result.Result);
    }

    [Fact]
    public void BindsPocosCollectionsNullablesEnumsAndUntypedValues()
    {
        var poco = Assert.IsType<InvocationMessage>(Parse("{\"type\":1,\"target\":\"Poco\",\"arguments\":[{\"FIRSTNAME\":\"Ann\",\"age\":3}]}" + RS));
        Assert.Equal(new Person("Ann", 3), poco.Arguments[0]);

        var many = Assert.IsType<InvocationMessage>(Parse("{\"type\":1,\"target\":\"Many\",\"arguments\":[[1,2],null,2,{\"x\":1},\"s\"]}" + RS));
        Assert.Equal(new[] { 1, 2 }, many.Arguments[0]);
        Assert.Null(many.Arguments[1]);
        Assert.Equal(Color.Blue, many.Arguments[2]);
        Assert.Equal(1, ((JsonElement)many.Arguments[3]!).GetProperty("x").GetInt32());
        Assert.Equal("s", ((JsonElement)many.Arguments[4]!).GetString());
    }

    [Fact]
    public void ParsesHeadersAndStreamIds()
    {
        var message = Assert.IsType<InvocationMessage>(Parse("{\"type\":1,\"headers\":{\"x\":\"y\",\"z\":\"z\"},\"target\":\"None\",\"arguments\":[],\"streamIds\":[\"1\"]}" + RS));
        Assert.Equal("y", message.Headers!["x"]);
        Assert.Equal(new[] { "1" }, message.StreamIds);
    }

    [Fact]
    public void ParsesSeveralMessagesInOneBufferAndWaitsForPartialOnes()
    {
        var text = "{\"type\":6}" + RS + "{\"type\":1,\"target\":\"None\",\"arguments\":[]}" + RS + "{\"type\":";
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        Assert.True(Protocol.TryParseMessage(ref input, Binder, out var first));
        Assert.IsType<PingMessage>(first);
        Assert.True(Protocol.TryParseMessage(ref input, Binder, out var second));
        Assert.IsType<InvocationMessage>(second);
        Assert.False(Protocol.TryParseMessage(ref input, Binder, out _));
        Assert.Equal("{\"type\":", Encoding.UTF8.GetString(input.ToArray()));
    }

    [Fact]
    public void ParsesAMessageSplitAcrossSegments()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"Send\",\"arguments\":[1,\"ab\"]}" + RS);
        var input = SegmentedSequence.Create(bytes, 3);
        Assert.True(Protocol.TryParseMessage(ref input, Binder, out var message));
        Assert.Equal(new object?[] { 1, "ab" }, Assert.IsType<InvocationMessage>(message).Arguments);
    }

    [Fact]
    public void SkipsUnknownMessageTypesAndUnknownProperties()
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"type\":42,\"x\":[1]}" + RS + "{\"type\":6,\"future\":{\"a\":[1,2]}}" + RS));
        Assert.True(Protocol.TryParseMessage(ref input, Binder, out var message));
        Assert.IsType<PingMessage>(message);
    }

    [Theory]
    [InlineData("{\"type\":1,\"target\":\"Send\",\"arguments\":[1]}", "1 argument(s) but target expects 2")]
    [InlineData("{\"type\":1,\"target\":\"Send\",\"arguments\":[1,\"a\",3]}", "more than 2 argument(s)")]
    [InlineData("{\"type\":1,\"target\":\"Send\",\"arguments\":[\"notanint\",\"a\"]}", "")]
    [InlineData("{\"type\":1,\"target\":\"Unknown\",\"arguments\":[]}", "Unknown method")]
    public void ArgumentsThatDoNotBindGiveABindingFailure(string json, string expected)
    {
        var failure = Assert.IsType<InvocationBindingFailureMessage>(Parse(json.Replace("\"type\":1,", "\"type\":1,\"invocationId\":\"9\",") + RS));
        Assert.Equal("9", failure.InvocationId);
        Assert.Contains(expected, failure.BindingFailure.SourceException.Message);
    }

    [Fact]
    public void StreamItemsThatDoNotBindGiveAStreamBindingFailure()
    {
        Assert.IsType<StreamBindingFailureMessage>(Parse("{\"type\":2,\"invocationId\":\"s1\",\"item\":\"x\"}" + RS));
        Assert.IsType<StreamBindingFailureMessage>(Parse("{\"type\":2,\"invocationId\":\"nope\",\"item\":1}" + RS));
    }

    [Fact]
    public void AResultThatDoesNotBindBecomesAnErrorCompletion()
    {
        var completion = Assert.IsType<CompletionMessage>(Parse("{\"type\":3,\"invocationId\":\"8\",\"result\":\"x\"}" + RS));
        Assert.NotNull(completion.Error);
        Assert.False(completion.HasResult);
    }

    [Theory]
    [InlineData("{\"type\":1,\"target\":\"Send\",\"arguments\":[1,\"a\"]")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"target\":\"None\",\"arguments\":[]}")]
    [InlineData("{\"type\":\"1\",\"target\":\"None\",\"arguments\":[]}")]
    [InlineData("{\"type\":1,\"arguments\":[]}")]
    [InlineData("{\"type\":1,\"target\":\"None\"}")]
    [InlineData("{\"type\":1,\"target\":5,\"arguments\":[]}")]
    [InlineData("{\"type\":4,\"target\":\"None\",\"arguments\":[]}")]
    [InlineData("{\"type\":2,\"item\":1}")]
    [InlineData("{\"type\":2,\"invocationId\":\"s1\"}")]
    [InlineData("{\"type\":3}")]
    [InlineData("{\"type\":3,\"invocationId\":\"8\",\"result\":1,\"error\":\"e\"}")]
    [InlineData("{\"type\":5}")]
    [InlineData("{\"type\":8}")]
    [InlineData("{\"type\":1,\"headers\":{\"a\":1},\"target\":\"None\",\"arguments\":[]}")]
    [InlineData("{\"type\":1,\"target\":\"None\",\"arguments\":[],\"streamIds\":[1]}")]
    [InlineData("{\"type\":1,\"target\":\"Send\",\"arguments\":[1,\"a\"}")]
    [InlineData("{\"type\":1,\"target\":\"Send\",\"arguments\":[1,\"a\"]}{}")]
    [InlineData("{\"type\":7,\"allowReconnect\":\"yes\"}")]
    public void MalformedMessagesThrowInvalidDataException(string json)
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json + RS));
        Assert.Throws<InvalidDataException>(() => Protocol.TryParseMessage(ref input, Binder, out _));
    }

    [Fact]
    public void DeeplyNestedJsonIsRejectedNotRecursedInto()
    {
        var deep = "{\"type\":1,\"target\":\"Many\",\"arguments\":[" + new string('[', 10_000) + new string(']', 10_000) + "]}" + RS;
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(deep));
        var ex = Assert.Throws<InvalidDataException>(() => Protocol.TryParseMessage(ref input, Binder, out _));
        // The official protocol's text (observed); the reader's reason is the inner exception.
        Assert.Equal("Error reading JSON.", ex.Message);
        Assert.Contains("depth", Assert.IsAssignableFrom<System.Text.Json.JsonException>(ex.InnerException).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"Target\",\"arguments\":[\"__\"]}" + RS);
        var index = Array.IndexOf(bytes, (byte)'_');
        bytes[index] = 0xC3;
        bytes[index + 1] = 0x28;
        var binder = new TestBinder(methods: new() { ["Target"] = [typeof(string)] });
        var input = new ReadOnlySequence<byte>(bytes);
        // The syntax is valid, so an undecodable string is a binding failure or a protocol error, never a crash.
        try
        {
            Assert.True(Protocol.TryParseMessage(ref input, binder, out var message));
            Assert.IsType<InvocationBindingFailureMessage>(message);
        }
        catch (InvalidDataException)
        {
        }
    }

    [Fact]
    public void PayloadSerializerOptionsAreConfigurable()
    {
        var options = new JsonHubProtocolOptions();
        options.PayloadSerializerOptions.PropertyNamingPolicy = null;
        var protocol = new JsonHubProtocol(Options.Create(options));
        Assert.Equal("{\"type\":1,\"target\":\"M\",\"arguments\":[{\"FirstName\":\"A\",\"Age\":1}]}" + RS,
            Write(new InvocationMessage("M", [new Person("A", 1)]), protocol));
    }

    [Fact]
    public void ReportsNameVersionAndFormat()
    {
        Assert.Equal("json", Protocol.Name);
        Assert.Equal(Microsoft.AspNetCore.Connections.TransferFormat.Text, Protocol.TransferFormat);
        Assert.True(Protocol.IsVersionSupported(1));
        Assert.True(Protocol.IsVersionSupported(2));
        Assert.True(Protocol.IsVersionSupported(0));
        Assert.True(Protocol.IsVersionSupported(-1));
        Assert.False(Protocol.IsVersionSupported(3));
    }

    [Fact]
    public void RoundTripsThroughTheOfficialClientProtocol()
    {
        // Black-box cross-check: the official client's JSON protocol reads what we write and vice versa.
        var official = new Microsoft.AspNetCore.SignalR.Protocol.JsonHubProtocol();
        var bytes = Protocol.GetMessageBytes(new InvocationMessage("Send", [1, "x"]));
        var seq = new ReadOnlySequence<byte>(bytes);
        Assert.True(official.TryParseMessage(ref seq, new OfficialBinder(), out var parsed));
        var invocation = Assert.IsType<Microsoft.AspNetCore.SignalR.Protocol.InvocationMessage>(parsed);
        Assert.Equal("Send", invocation.Target);
        Assert.Equal(new object?[] { 1, "x" }, invocation.Arguments);

        var theirs = official.GetMessageBytes(new Microsoft.AspNetCore.SignalR.Protocol.InvocationMessage("5", "Send", [2, "y"]));
        var ours = new ReadOnlySequence<byte>(theirs);
        Assert.True(Protocol.TryParseMessage(ref ours, Binder, out var back));
        Assert.Equal(new object?[] { 2, "y" }, Assert.IsType<InvocationMessage>(back).Arguments);
    }

    private sealed class OfficialBinder : Microsoft.AspNetCore.SignalR.IInvocationBinder
    {
        public IReadOnlyList<Type> GetParameterTypes(string methodName) => [typeof(int), typeof(string)];
        public Type GetReturnType(string invocationId) => typeof(object);
        public Type GetStreamItemType(string streamId) => typeof(object);
    }
}
