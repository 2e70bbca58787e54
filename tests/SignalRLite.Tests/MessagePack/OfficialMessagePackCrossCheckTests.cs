using System.Buffers;
using Lite = SignalRLite.Protocol;
using Ms = Microsoft.AspNetCore.SignalR.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

/// <summary>
/// Black-box cross-check with the official client-side MessagePack protocol: bytes we write parse
/// there to the same message, bytes it writes parse here to the same message, and for each case the
/// two writers produce the same bytes.
/// </summary>
public class OfficialMessagePackCrossCheckTests
{
    private static readonly DateTime When = new(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    private readonly SignalRLite.Protocol.MessagePackHubProtocol _ours = new();
    private readonly Ms.MessagePackHubProtocol _official = new();

    public static TheoryData<string> Cases => new()
    {
        "invocation-nonblocking", "invocation-id-headers-streams", "invocation-poco", "stream-invocation",
        "stream-item", "stream-item-poco", "completion-void", "completion-42", "completion-null", "completion-error",
        "completion-poco", "cancel", "ping", "close", "close-error", "close-error-reconnect", "close-reconnect",
        "ack", "ack-large", "sequence",
    };

    private static Person Ann() => new() { Name = "Ann", Age = 41, Born = When, Scores = new[] { 1, 2, 3 }, Favourite = Color.Blue };

    private static Dictionary<string, string> Headers() => new() { ["k1"] = "v1", ["k2"] = "v2" };

    private static (Lite.HubMessage Ours, Ms.HubMessage Official) Pair(string name) => name switch
    {
        "invocation-nonblocking" => (
            new Lite.InvocationMessage("Receive", new object?[] { "hi", 42, null, When, 1.5, true }),
            new Ms.InvocationMessage("Receive", new object?[] { "hi", 42, null, When, 1.5, true })),
        "invocation-id-headers-streams" => (
            new Lite.InvocationMessage("7", "Upload", new object?[] { "a" }, new[] { "s1", "s2" }) { Headers = Headers() },
            new Ms.InvocationMessage("7", "Upload", new object?[] { "a" }, new[] { "s1", "s2" }) { Headers = Headers() }),
        "invocation-poco" => (
            new Lite.InvocationMessage("8", "SetPerson", new object?[] { Ann(), Color.Green, new[] { 5, 6 } }),
            new Ms.InvocationMessage("8", "SetPerson", new object?[] { Ann(), Color.Green, new[] { 5, 6 } })),
        "stream-invocation" => (
            new Lite.StreamInvocationMessage("9", "Counter", new object?[] { 10, 5 }),
            new Ms.StreamInvocationMessage("9", "Counter", new object?[] { 10, 5 })),
        "stream-item" => (
            new Lite.StreamItemMessage("9", 3) { Headers = Headers() },
            new Ms.StreamItemMessage("9", 3) { Headers = Headers() }),
        "stream-item-poco" => (new Lite.StreamItemMessage("p", Ann()), new Ms.StreamItemMessage("p", Ann())),
        "completion-void" => (Lite.CompletionMessage.Empty("1"), Ms.CompletionMessage.Empty("1")),
        "completion-42" => (Lite.CompletionMessage.WithResult("1", 42), Ms.CompletionMessage.WithResult("1", 42)),
        "completion-null" => (Lite.CompletionMessage.WithResult("s", null), Ms.CompletionMessage.WithResult("s", null)),
        "completion-error" => (Lite.CompletionMessage.WithError("1", "boom"), Ms.CompletionMessage.WithError("1", "boom")),
        "completion-poco" => (Lite.CompletionMessage.WithResult("p", Ann()), Ms.CompletionMessage.WithResult("p", Ann())),
        "cancel" => (new Lite.CancelInvocationMessage("9"), new Ms.CancelInvocationMessage("9")),
        "ping" => (Lite.PingMessage.Instance, Ms.PingMessage.Instance),
        "close" => (Lite.CloseMessage.Empty, Ms.CloseMessage.Empty),
        "close-error" => (new Lite.CloseMessage("bad"), new Ms.CloseMessage("bad")),
        "close-error-reconnect" => (new Lite.CloseMessage("bad", true), new Ms.CloseMessage("bad", true)),
        "close-reconnect" => (new Lite.CloseMessage(null, true), new Ms.CloseMessage(null, true)),
        "ack" => (new Lite.AckMessage(36), new Ms.AckMessage(36)),
        "ack-large" => (new Lite.AckMessage(5_000_000_000), new Ms.AckMessage(5_000_000_000)),
        "sequence" => (new Lite.SequenceMessage(19), new Ms.SequenceMessage(19)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static TestBinder OurBinder() => new TestBinder()
        .Method("Receive", typeof(string), typeof(int), typeof(object), typeof(DateTime), typeof(double), typeof(bool))
        .Method("Upload", typeof(string))
        .Method("SetPerson", typeof(Person), typeof(Color), typeof(int[]))
        .Method("Counter", typeof(int), typeof(int))
        .Stream("9", typeof(int))
        .Stream("p", typeof(Person))
        .Returns("1", typeof(int))
        .Returns("s", typeof(string))
        .Returns("p", typeof(Person));

    private static OfficialBinder TheirBinder()
    {
        var ours = OurBinder();
        var binder = new OfficialBinder();
        foreach (var (k, v) in ours.Methods)
        {
            binder.Methods[k] = v;
        }

        foreach (var (k, v) in ours.StreamItemTypes)
        {
            binder.StreamItemTypes[k] = v;
        }

        foreach (var (k, v) in ours.ReturnTypes)
        {
            binder.ReturnTypes[k] = v;
        }

        return binder;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bytes_we_write_parse_in_the_official_protocol(string name)
    {
        var (ours, expected) = Pair(name);
        var buffer = new ReadOnlySequence<byte>(_ours.GetMessageBytes(ours));
        Assert.True(_official.TryParseMessage(ref buffer, TheirBinder(), out var parsed));
        Assert.True(buffer.IsEmpty);
        AssertSame(expected, parsed!);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bytes_the_official_protocol_writes_parse_here(string name)
    {
        var (expected, official) = Pair(name);
        var buffer = new ReadOnlySequence<byte>(_official.GetMessageBytes(official));
        Assert.True(_ours.TryParseMessage(ref buffer, OurBinder(), out var parsed));
        Assert.True(buffer.IsEmpty);
        AssertSame(expected, parsed!);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Both_writers_produce_the_same_bytes(string name)
    {
        var (ours, official) = Pair(name);
        Assert.Equal(Bytes.ToHex(_official.GetMessageBytes(official)), Bytes.ToHex(_ours.GetMessageBytes(ours)));
    }

    [Fact]
    public void Several_official_frames_in_one_fragmented_buffer_parse_here()
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var name in Cases)
        {
            _official.WriteMessage(Pair(name).Official, output);
        }

        var buffer = Bytes.Fragmented(output.WrittenSpan.ToArray());
        var count = 0;
        while (_ours.TryParseMessage(ref buffer, OurBinder(), out _))
        {
            count++;
        }

        Assert.Equal(Cases.Count, count);
        Assert.True(buffer.IsEmpty);
    }

    private static void AssertSame(Ms.HubMessage expected, Ms.HubMessage actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected)
        {
            case Ms.HubMethodInvocationMessage e:
                var a = (Ms.HubMethodInvocationMessage)actual;
                Assert.Equal(e.InvocationId, a.InvocationId);
                Assert.Equal(e.Target, a.Target);
                AssertValues(e.Arguments, a.Arguments);
                Assert.Equal(e.StreamIds ?? Array.Empty<string>(), a.StreamIds ?? Array.Empty<string>());
                AssertHeaders(e.Headers, a.Headers);
                break;
            case Ms.StreamItemMessage e:
                var si = (Ms.StreamItemMessage)actual;
                Assert.Equal(e.InvocationId, si.InvocationId);
                AssertValue(e.Item, si.Item);
                AssertHeaders(e.Headers, si.Headers);
                break;
            case Ms.CompletionMessage e:
                var c = (Ms.CompletionMessage)actual;
                Assert.Equal(e.InvocationId, c.InvocationId);
                Assert.Equal(e.Error, c.Error);
                Assert.Equal(e.HasResult, c.HasResult);
                AssertValue(e.Result, c.Result);
                break;
            case Ms.CancelInvocationMessage e:
                Assert.Equal(e.InvocationId, ((Ms.CancelInvocationMessage)actual).InvocationId);
                break;
            case Ms.CloseMessage e:
                Assert.Equal(e.Error, ((Ms.CloseMessage)actual).Error);
                Assert.Equal(e.AllowReconnect, ((Ms.CloseMessage)actual).AllowReconnect);
                break;
            case Ms.AckMessage e:
                Assert.Equal(e.SequenceId, ((Ms.AckMessage)actual).SequenceId);
                break;
            case Ms.SequenceMessage e:
                Assert.Equal(e.SequenceId, ((Ms.SequenceMessage)actual).SequenceId);
                break;
        }
    }

    private static void AssertSame(Lite.HubMessage expected, Lite.HubMessage actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected)
        {
            case Lite.HubMethodInvocationMessage e:
                var a = (Lite.HubMethodInvocationMessage)actual;
                Assert.Equal(e.InvocationId, a.InvocationId);
                Assert.Equal(e.Target, a.Target);
                AssertValues(e.Arguments, a.Arguments);
                Assert.Equal(e.StreamIds ?? Array.Empty<string>(), a.StreamIds ?? Array.Empty<string>());
                AssertHeaders(e.Headers, a.Headers);
                break;
            case Lite.StreamItemMessage e:
                var si = (Lite.StreamItemMessage)actual;
                Assert.Equal(e.InvocationId, si.InvocationId);
                AssertValue(e.Item, si.Item);
                AssertHeaders(e.Headers, si.Headers);
                break;
            case Lite.CompletionMessage e:
                var c = (Lite.CompletionMessage)actual;
                Assert.Equal(e.InvocationId, c.InvocationId);
                Assert.Equal(e.Error, c.Error);
                Assert.Equal(e.HasResult, c.HasResult);
                AssertValue(e.Result, c.Result);
                break;
            case Lite.CancelInvocationMessage e:
                Assert.Equal(e.InvocationId, ((Lite.CancelInvocationMessage)actual).InvocationId);
                break;
            case Lite.CloseMessage e:
                Assert.Equal(e.Error, ((Lite.CloseMessage)actual).Error);
                Assert.Equal(e.AllowReconnect, ((Lite.CloseMessage)actual).AllowReconnect);
                break;
            case Lite.AckMessage e:
                Assert.Equal(e.SequenceId, ((Lite.AckMessage)actual).SequenceId);
                break;
            case Lite.SequenceMessage e:
                Assert.Equal(e.SequenceId, ((Lite.SequenceMessage)actual).SequenceId);
                break;
        }
    }

    private static void AssertHeaders(IDictionary<string, string>? expected, IDictionary<string, string>? actual)
    {
        Assert.Equal(
            (expected ?? new Dictionary<string, string>()).OrderBy(p => p.Key),
            (actual ?? new Dictionary<string, string>()).OrderBy(p => p.Key));
    }

    private static void AssertValues(object?[] expected, object?[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            AssertValue(expected[i], actual[i]);
        }
    }

    private static void AssertValue(object? expected, object? actual)
    {
        if (expected is Person p)
        {
            var q = Assert.IsType<Person>(actual);
            Assert.Equal(p.Name, q.Name);
            Assert.Equal(p.Age, q.Age);
            Assert.Equal(p.Born, q.Born);
            Assert.Equal(p.Scores, q.Scores);
            Assert.Equal(p.Favourite, q.Favourite);
        }
        else
        {
            Assert.Equal(expected, actual);
        }
    }
}
