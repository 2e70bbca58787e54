using System.Buffers;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

/// <summary>Decoding of every message type, argument binding and binding failures.</summary>
public class MessagePackDecodingTests
{
    private readonly MessagePackHubProtocol _protocol = new();

    private static TestBinder DefaultBinder() => new TestBinder()
        .Method("method", typeof(int))
        .Method("Receive", typeof(string))
        .Returns("1", typeof(int))
        .Stream("xyz", typeof(int));

    internal HubMessage ParseOne(string hex, IInvocationBinder? binder = null)
    {
        var bytes = Bytes.FromHex(hex);
        binder ??= DefaultBinder();
        foreach (var input in new[] { new ReadOnlySequence<byte>(bytes), Bytes.Fragmented(bytes) })
        {
            var buffer = input;
            Assert.True(_protocol.TryParseMessage(ref buffer, binder, out var parsed));
            Assert.True(buffer.IsEmpty);
            Assert.NotNull(parsed);
            if (input.IsSingleSegment)
            {
                continue;
            }

            return parsed!;
        }

        throw new InvalidOperationException();
    }

    [Fact]
    public void Ping()
    {
        Assert.Same(PingMessage.Instance, ParseOne("02 91 06"));
    }

    [Fact]
    public void Receive_hi()
    {
        var m = Assert.IsType<InvocationMessage>(ParseOne("11 96 01 80 C0 A7 52 65 63 65 69 76 65 91 A2 68 69 90"));
        Assert.Null(m.InvocationId);
        Assert.Equal("Receive", m.Target);
        Assert.Equal(new object?[] { "hi" }, m.Arguments);
        Assert.Null(m.StreamIds);
        Assert.Null(m.Headers);
    }

    [Fact]
    public void Invocation_xyz_with_and_without_headers()
    {
        var plain = Assert.IsType<InvocationMessage>(ParseOne("11 96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90"));
        Assert.Equal("xyz", plain.InvocationId);
        Assert.Equal("method", plain.Target);
        Assert.Equal(new object?[] { 42 }, plain.Arguments);

        var withHeaders = Assert.IsType<InvocationMessage>(ParseOne("19 96 01 82 A1 78 A1 79 A1 7A A1 7A A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90"));
        Assert.Equal("xyz", withHeaders.InvocationId);
        Assert.Equal(new Dictionary<string, string> { ["x"] = "y", ["z"] = "z" }, withHeaders.Headers);
        Assert.Equal(new object?[] { 42 }, withHeaders.Arguments);
    }

    [Fact]
    public void Nonblocking_invocation_has_no_id()
    {
        var m = Assert.IsType<InvocationMessage>(ParseOne("0E 96 01 80 C0 A6 6D 65 74 68 6F 64 91 2A 90"));
        Assert.Null(m.InvocationId);
    }

    [Fact]
    public void Five_element_invocation_is_accepted()
    {
        var m = Assert.IsType<InvocationMessage>(ParseOne("10 95 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A"));
        Assert.Equal("xyz", m.InvocationId);
        Assert.Equal(new object?[] { 42 }, m.Arguments);
        Assert.Null(m.StreamIds);
    }

    [Fact]
    public void Extra_elements_are_ignored()
    {
        // 8 elements: two unknown trailing values (a nested array and a map).
        var m = Assert.IsType<InvocationMessage>(ParseOne("19 98 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90 92 01 91 02 81 A1 6B 03"));
        Assert.Equal(new object?[] { 42 }, m.Arguments);

        var ping = ParseOne("04 93 06 C0 C3");
        Assert.Same(PingMessage.Instance, ping);

        var ack = Assert.IsType<AckMessage>(ParseOne("04 93 08 24 A0"));
        Assert.Equal(36, ack.SequenceId);
    }

    [Fact]
    public void Invocation_with_stream_ids()
    {
        var binder = new TestBinder().Method("method");
        var m = Assert.IsType<InvocationMessage>(ParseOne("14 96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 90 92 A1 61 A1 62", binder));
        Assert.Empty(m.Arguments);
        Assert.Equal(new[] { "a", "b" }, m.StreamIds);
    }

    [Fact]
    public void Stream_invocation()
    {
        var m = Assert.IsType<StreamInvocationMessage>(ParseOne("11 96 04 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90"));
        Assert.Equal("xyz", m.InvocationId);
        Assert.Equal("method", m.Target);
        Assert.Equal(new object?[] { 42 }, m.Arguments);
    }

    [Fact]
    public void Stream_item()
    {
        var m = Assert.IsType<StreamItemMessage>(ParseOne("08 94 02 80 A3 78 79 7A 2A"));
        Assert.Equal("xyz", m.InvocationId);
        Assert.Equal(42, m.Item);
    }

    [Fact]
    public void Completions()
    {
        var empty = Assert.IsType<CompletionMessage>(ParseOne("06 94 03 80 A1 31 02"));
        Assert.Equal("1", empty.InvocationId);
        Assert.False(empty.HasResult);
        Assert.Null(empty.Error);

        var result = Assert.IsType<CompletionMessage>(ParseOne("07 95 03 80 A1 31 03 2A"));
        Assert.True(result.HasResult);
        Assert.Equal(42, result.Result);

        var error = Assert.IsType<CompletionMessage>(ParseOne("0B 95 03 80 A1 31 01 A4 62 6F 6F 6D"));
        Assert.Equal("boom", error.Error);
        Assert.False(error.HasResult);

        var nullResult = Assert.IsType<CompletionMessage>(ParseOne("07 95 03 80 A1 31 03 C0", new TestBinder().Returns("1", typeof(string))));
        Assert.True(nullResult.HasResult);
        Assert.Null(nullResult.Result);
    }

    [Fact]
    public void Completion_result_of_wrong_type_becomes_an_error_completion()
    {
        var m = Assert.IsType<CompletionMessage>(ParseOne("09 95 03 80 A1 31 03 A2 68 69", new TestBinder().Returns("1", typeof(int))));
        Assert.Equal("1", m.InvocationId);
        Assert.False(m.HasResult);
        Assert.StartsWith("Error trying to deserialize result to Int32.", m.Error);
    }

    [Fact]
    public void Completion_for_unknown_invocation_becomes_an_error_completion_and_the_stream_goes_on()
    {
        var bytes = Bytes.FromHex("07 95 03 80 A1 39 03 2A 02 91 06");
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(_protocol.TryParseMessage(ref buffer, new TestBinder(), out var first));
        var m = Assert.IsType<CompletionMessage>(first);
        Assert.Equal("9", m.InvocationId);
        Assert.Contains("Unknown invocation '9'", m.Error);
        Assert.True(_protocol.TryParseMessage(ref buffer, new TestBinder(), out var second));
        Assert.Same(PingMessage.Instance, second);
    }

    [Fact]
    public void Cancel_invocation()
    {
        var m = Assert.IsType<CancelInvocationMessage>(ParseOne("07 93 05 80 A3 78 79 7A"));
        Assert.Equal("xyz", m.InvocationId);
    }

    [Fact]
    public void Close_messages()
    {
        var plain = Assert.IsType<CloseMessage>(ParseOne("03 92 07 C0"));
        Assert.Null(plain.Error);
        Assert.False(plain.AllowReconnect);

        var reconnect = Assert.IsType<CloseMessage>(ParseOne("04 93 07 C0 C3"));
        Assert.Null(reconnect.Error);
        Assert.True(reconnect.AllowReconnect);

        var error = Assert.IsType<CloseMessage>(ParseOne("07 93 07 A3 78 79 7A C2"));
        Assert.Equal("xyz", error.Error);
        Assert.False(error.AllowReconnect);
    }

    [Theory]
    [InlineData("03 92 08 24", 36)]
    [InlineData("04 92 08 CC 24", 36)] // the spec's own example
    [InlineData("05 92 08 CD 00 24", 36)]
    [InlineData("07 92 08 CE 00 00 00 24", 36)]
    [InlineData("0B 92 08 CF 00 00 00 00 00 00 00 24", 36)]
    [InlineData("04 92 08 D0 24", 36)]
    [InlineData("07 92 08 D2 00 01 00 00", 65536)]
    public void Ack_accepts_every_integer_encoding(string hex, long expected)
    {
        Assert.Equal(expected, Assert.IsType<AckMessage>(ParseOne(hex)).SequenceId);
    }

    [Theory]
    [InlineData("03 92 09 13")]
    [InlineData("04 92 09 CC 13")]
    public void Sequence(string hex)
    {
        Assert.Equal(19, Assert.IsType<SequenceMessage>(ParseOne(hex)).SequenceId);
    }

    [Fact]
    public void Any_size_class_is_accepted_for_arrays_maps_strings_and_the_type()
    {
        // array16 header, type as uint8, map16 headers with str8 key / str16 value, str8 id, str32 target, array32 args, array16 streamIds
        var hex = "DC 00 06 CC 01 DE 00 01 D9 01 6B DA 00 01 76 D9 01 31 DB 00 00 00 06 6D 65 74 68 6F 64 DD 00 00 00 01 2A DC 00 00";
        var body = Bytes.FromHex(hex);
        var m = Assert.IsType<InvocationMessage>(ParseOne($"{body.Length:X2} {hex}"));
        Assert.Equal("1", m.InvocationId);
        Assert.Equal("method", m.Target);
        Assert.Equal("v", m.Headers!["k"]);
        Assert.Equal(new object?[] { 42 }, m.Arguments);
    }

    [Fact]
    public void Binds_pocos_arrays_enums_nullables_and_nils()
    {
        var binder = new TestBinder().Method("Many", typeof(Person), typeof(int[]), typeof(Color), typeof(int?), typeof(int?), typeof(string), typeof(object), typeof(List<string>), typeof(Dictionary<string, int>));
        var person = new Person { Name = "Ann", Age = 7, Born = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc), Scores = new[] { 1, 2 }, Favourite = Color.Green };
        var written = new InvocationMessage("1", "Many", new object?[]
        {
            person, new[] { 3, 4, 5 }, Color.Blue, 9, null, null, null, new List<string> { "a" }, new Dictionary<string, int> { ["k"] = 1 },
        });
        var bytes = _protocol.GetMessageBytes(written);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(_protocol.TryParseMessage(ref buffer, binder, out var parsed));
        var m = Assert.IsType<InvocationMessage>(parsed);
        var p = Assert.IsType<Person>(m.Arguments[0]);
        Assert.Equal("Ann", p.Name);
        Assert.Equal(7, p.Age);
        Assert.Equal(person.Born, p.Born);
        Assert.Equal(new[] { 1, 2 }, p.Scores);
        Assert.Equal(Color.Green, p.Favourite);
        Assert.Equal(new[] { 3, 4, 5 }, m.Arguments[1]);
        Assert.Equal(Color.Blue, m.Arguments[2]);
        Assert.Equal(9, m.Arguments[3]);
        Assert.Null(m.Arguments[4]);
        Assert.Null(m.Arguments[5]);
        Assert.Null(m.Arguments[6]);
        Assert.Equal(new List<string> { "a" }, m.Arguments[7]);
        Assert.Equal(1, Assert.IsType<Dictionary<string, int>>(m.Arguments[8])["k"]);
    }

    [Theory]
    [InlineData("A4 42 6C 75 65")] // "Blue"
    [InlineData("02")]
    [InlineData("CC 02")]
    [InlineData("D0 02")]
    public void Enum_binds_from_a_name_or_a_number(string valueHex)
    {
        var hex = $"94 02 80 A1 31 {valueHex}";
        var body = Bytes.FromHex(hex);
        var m = Assert.IsType<StreamItemMessage>(ParseOne($"{body.Length:X2} {hex}", new TestBinder().Stream("1", typeof(Color))));
        Assert.Equal(Color.Blue, m.Item);

        var nullable = Assert.IsType<StreamItemMessage>(ParseOne($"{body.Length:X2} {hex}", new TestBinder().Stream("1", typeof(Color?))));
        Assert.Equal(Color.Blue, nullable.Item);
    }

    [Fact]
    public void Unknown_enum_name_is_a_binding_failure()
    {
        var hex = "94 02 80 A1 31 A4 50 69 6E 6B"; // "Pink"
        var body = Bytes.FromHex(hex);
        Assert.IsType<StreamBindingFailureMessage>(ParseOne($"{body.Length:X2} {hex}", new TestBinder().Stream("1", typeof(Color))));
    }

    [Fact]
    public void Poco_from_a_map_with_PascalCase_keys()
    {
        // {"Name":"Bo","Age":3} as a JavaScript client would send it.
        var hex = "96 01 80 A1 31 A3 53 65 74 91 82 A4 4E 61 6D 65 A2 42 6F A3 41 67 65 03 90";
        var body = Bytes.FromHex(hex);
        var m = Assert.IsType<InvocationMessage>(ParseOne($"{body.Length:X2} {hex}", new TestBinder().Method("Set", typeof(Person))));
        var p = Assert.IsType<Person>(m.Arguments[0]);
        Assert.Equal("Bo", p.Name);
        Assert.Equal(3, p.Age);
    }

    [Fact]
    public void DateTime_round_trip_and_kind_rules()
    {
        var binder = new TestBinder().Stream("1", typeof(DateTime));
        DateTime RoundTrip(DateTime value)
        {
            var buffer = new ReadOnlySequence<byte>(_protocol.GetMessageBytes(new StreamItemMessage("1", value)));
            Assert.True(_protocol.TryParseMessage(ref buffer, binder, out var parsed));
            return Assert.IsType<DateTime>(Assert.IsType<StreamItemMessage>(parsed).Item);
        }

        var utc = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1234567);
        var back = RoundTrip(utc);
        Assert.Equal(utc, back);
        Assert.Equal(DateTimeKind.Utc, back.Kind);

        var local = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Local);
        var localBack = RoundTrip(local);
        Assert.Equal(DateTimeKind.Utc, localBack.Kind);
        Assert.Equal(local.ToUniversalTime(), localBack);

        var unspecified = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Unspecified);
        var unspecifiedBack = RoundTrip(unspecified);
        Assert.Equal(DateTimeKind.Utc, unspecifiedBack.Kind);
        Assert.Equal(unspecified.Ticks, unspecifiedBack.Ticks);

        var nullableBinder = new TestBinder().Stream("1", typeof(DateTime?));
        var buffer = new ReadOnlySequence<byte>(_protocol.GetMessageBytes(new StreamItemMessage("1", (DateTime?)utc)));
        Assert.True(_protocol.TryParseMessage(ref buffer, nullableBinder, out var nullable));
        Assert.Equal(utc, Assert.IsType<StreamItemMessage>(nullable).Item);
    }

    [Fact]
    public void Wrong_arity_is_a_binding_failure_and_the_next_message_still_parses()
    {
        // method expects 1 argument; 2 are sent. Then a Ping.
        var bytes = Bytes.FromHex("12 96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 92 2A 2A 90 02 91 06");
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(_protocol.TryParseMessage(ref buffer, DefaultBinder(), out var first));
        var failure = Assert.IsType<InvocationBindingFailureMessage>(first);
        Assert.Equal("xyz", failure.InvocationId);
        Assert.Equal("method", failure.Target);
        Assert.Contains("2 argument(s)", failure.BindingFailure.SourceException.Message);
        Assert.True(_protocol.TryParseMessage(ref buffer, DefaultBinder(), out var second));
        Assert.Same(PingMessage.Instance, second);
    }

    [Fact]
    public void Wrong_argument_type_is_a_binding_failure()
    {
        // method(int) called with "hi".
        var m = Assert.IsType<InvocationBindingFailureMessage>(ParseOne("13 96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 A2 68 69 90"));
        Assert.Equal("xyz", m.InvocationId);
        Assert.IsType<InvalidDataException>(m.BindingFailure.SourceException);

        // Nested wrong type inside a POCO.
        var poco = "96 01 80 A1 31 A3 53 65 74 91 81 A3 41 67 65 A1 78 90";
        var body = Bytes.FromHex(poco);
        Assert.IsType<InvocationBindingFailureMessage>(ParseOne($"{body.Length:X2} {poco}", new TestBinder().Method("Set", typeof(Person))));

        // nil for a non-nullable int.
        Assert.IsType<InvocationBindingFailureMessage>(ParseOne("11 96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 C0 90"));
    }

    [Fact]
    public void Unknown_target_is_a_binding_failure()
    {
        var m = Assert.IsType<InvocationBindingFailureMessage>(ParseOne("0D 96 01 80 A1 31 A4 6E 6F 70 65 91 2A 90"));
        Assert.Equal("nope", m.Target);
        Assert.Contains("Unknown hub method", m.BindingFailure.SourceException.Message);
    }

    [Fact]
    public void Stream_item_binding_failures()
    {
        var wrongType = Assert.IsType<StreamBindingFailureMessage>(ParseOne("0A 94 02 80 A3 78 79 7A A2 68 69"));
        Assert.Equal("xyz", wrongType.Id);

        var unknownStream = Assert.IsType<StreamBindingFailureMessage>(ParseOne("08 94 02 80 A3 61 62 63 2A"));
        Assert.Equal("abc", unknownStream.Id);
    }

    [Fact]
    public void Binder_GetTarget_supplies_the_target_string()
    {
        var binder = new CachingBinder();
        var m = Assert.IsType<InvocationMessage>(ParseOne("11 96 01 80 A3 78 79 7A A6 6D 65 74 68 6F 64 91 2A 90", binder));
        Assert.Same(CachingBinder.Target, m.Target);
        Assert.Equal(2, binder.Calls); // contiguous and fragmented input
    }

    private sealed class CachingBinder : IInvocationBinder
    {
        public static readonly string Target = new("method".ToCharArray());

        public int Calls { get; private set; }

        public IReadOnlyList<Type> GetParameterTypes(string methodName) => new[] { typeof(int) };

        public Type GetReturnType(string invocationId) => throw new InvalidOperationException();

        public Type GetStreamItemType(string streamId) => throw new InvalidOperationException();

        public string? GetTarget(ReadOnlySpan<byte> utf8Bytes)
        {
            Calls++;
            return utf8Bytes.SequenceEqual("method"u8) ? Target : null;
        }
    }
}
