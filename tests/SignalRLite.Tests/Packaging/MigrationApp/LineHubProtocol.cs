using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace MigrationApp;

/// <summary>
/// An app-defined hub protocol, one text message per line: <c>I|id|target|arg...</c>, <c>C|id|result|error</c>,
/// <c>P</c> (ping), <c>X|error</c> (close). Arguments and results are strings.
/// </summary>
public class LineHubProtocol : IHubProtocol
{
    public string Name => "line";

    public int Version => 1;

    public TransferFormat TransferFormat => TransferFormat.Text;

    public bool IsVersionSupported(int version) => version == 1;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
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
        IReadOnlyList<Type> types;
        try
        {
            types = binder.GetParameterTypes(parts[2]);
        }
        catch (Exception ex)
        {
            return new InvocationBindingFailureMessage(id, parts[2], ExceptionDispatchInfo.Capture(ex));
        }

        if (types.Count != arguments.Length || types.Any(t => t != typeof(string)))
        {
            return new InvocationBindingFailureMessage(id, parts[2], ExceptionDispatchInfo.Capture(new InvalidDataException("Only string arguments, with the right count.")));
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
            CloseMessage close => $"X|{close.Error}",
            _ => throw new HubException($"The line protocol cannot write {message.GetType().Name}."),
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
