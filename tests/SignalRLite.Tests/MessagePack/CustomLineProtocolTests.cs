using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Connections;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

/// <summary>
/// A third hub protocol written against the public API only (no internals, no framing helpers):
/// proof that applications can plug their own <see cref="IHubProtocol"/> into SignalRLite.
/// Wire format, one message per line: <c>I|id|target|arg1|arg2...</c>, <c>C|id|result-or-empty|error-or-empty</c>, <c>P</c>.
/// Arguments are strings only.
/// </summary>
public sealed class LineHubProtocol : IHubProtocol
{
    public string Name => "line";

    public int Version => 1;

    public TransferFormat TransferFormat => TransferFormat.Text;

    public bool IsVersionSupported(int version) => version == 1;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, out HubMessage? message)
    {
        var newline = input.PositionOf((byte)'\n');
        if (newline is null)
        {
            message = null;
            return false;
        }

        var line = Encoding.UTF8.GetString(input.Slice(0, newline.Value));
        input = input.Slice(input.GetPosition(1, newline.Value));
        var parts = line.Split('|');
        message = parts[0] switch
        {
            "P" => PingMessage.Instance,
            "I" => Invocation(parts, binder),
            "C" => parts[3].Length > 0 ? CompletionMessage.WithError(parts[1], parts[3]) : CompletionMessage.WithResult(parts[1], parts[2]),
            _ => throw new InvalidDataException($"Unknown line message '{parts[0]}'."),
        };
        return true;
    }

    private static HubMessage Invocation(string[] parts, IInvocationBinder binder)
    {
        var id = parts[1].Length == 0 ? null : parts[1];
        var arguments = parts.Skip(3).Cast<object?>().ToArray();
        var types = binder.GetParameterTypes(parts[2]);
        if (types.Count != arguments.Length || types.Any(t => t != typeof(string)))
        {
            return new InvocationBindingFailureMessage(id, parts[2],
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(new InvalidDataException("Only string arguments, with the right count.")));
        }

        return new InvocationMessage(id, parts[2], arguments);
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
    {
        var line = message switch
        {
            PingMessage => "P",
            InvocationMessage i => $"I|{i.InvocationId}|{i.Target}" + string.Concat(i.Arguments.Select(a => "|" + a)),
            CompletionMessage c => $"C|{c.InvocationId}|{(c.HasResult ? c.Result : null)}|{c.Error}",
            _ => throw new InvalidOperationException($"The line protocol cannot write {message.GetType().Name}."),
        };
        output.Write(Encoding.UTF8.GetBytes(line + "\n"));
    }

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteMessage(message, buffer);
        return buffer.WrittenMemory;
    }
}

public class CustomLineProtocolTests
{
    [Fact]
    public void A_custom_protocol_round_trips_through_the_public_contract()
    {
        IHubProtocol protocol = new LineHubProtocol();
        var binder = new TestBinder().Method("Send", typeof(string), typeof(string));
        var output = new ArrayBufferWriter<byte>();
        protocol.WriteMessage(new InvocationMessage("1", "Send", new object?[] { "a", "b" }), output);
        protocol.WriteMessage(PingMessage.Instance, output);
        protocol.WriteMessage(CompletionMessage.WithError("1", "boom"), output);
        Assert.Equal("I|1|Send|a|b\nP\nC|1||boom\n", Encoding.UTF8.GetString(output.WrittenSpan));

        var input = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.True(protocol.TryParseMessage(ref input, binder, out var first));
        var invocation = Assert.IsType<InvocationMessage>(first);
        Assert.Equal(new object?[] { "a", "b" }, invocation.Arguments);
        Assert.True(protocol.TryParseMessage(ref input, binder, out var second));
        Assert.Same(PingMessage.Instance, second);
        Assert.True(protocol.TryParseMessage(ref input, binder, out var third));
        Assert.Equal("boom", Assert.IsType<CompletionMessage>(third).Error);
        Assert.False(protocol.TryParseMessage(ref input, binder, out _));

        // Shares the SerializedHubMessage cache with other protocols.
        var serialized = new SerializedHubMessage(PingMessage.Instance);
        Assert.Equal("P\n", Encoding.UTF8.GetString(serialized.GetSerializedMessage(protocol).Span));
        Assert.Equal("02 91 06", Bytes.ToHex(serialized.GetSerializedMessage(new SignalRLite.Protocol.MessagePackHubProtocol())));
    }
}
