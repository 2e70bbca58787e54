using MessagePack;
using SignalRLite.Protocol;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>
/// Encodes the body of one MessagePack hub message (HubProtocol.md, "MessagePack (MsgPack) encoding"): smallest
/// encodings, a headers map wherever the layout has one, Invocation with 6 elements, Close with 3
/// (the reconnect flag always written).
/// </summary>
internal static class MessagePackHubMessageWriter
{
    /// <summary>Writes the body of <paramref name="message"/> (without the length prefix).</summary>
    public static void Write(HubMessage message, ref MessagePackWriter writer, MessagePackSerializerOptions options)
    {
        switch (message)
        {
            case InvocationMessage invocation:
                WriteMethodInvocation(HubProtocolConstants.InvocationMessageType, invocation, ref writer, options);
                break;
            case StreamInvocationMessage streamInvocation:
                WriteMethodInvocation(HubProtocolConstants.StreamInvocationMessageType, streamInvocation, ref writer, options);
                break;
            case StreamItemMessage streamItem:
                writer.WriteArrayHeader(4);
                writer.Write(HubProtocolConstants.StreamItemMessageType);
                WriteHeaders(streamItem.Headers, ref writer);
                WriteNullableString(streamItem.InvocationId, ref writer);
                WriteValue(streamItem.Item, ref writer, options);
                break;
            case CompletionMessage completion:
                WriteCompletion(completion, ref writer, options);
                break;
            case CancelInvocationMessage cancel:
                writer.WriteArrayHeader(3);
                writer.Write(HubProtocolConstants.CancelInvocationMessageType);
                WriteHeaders(cancel.Headers, ref writer);
                WriteNullableString(cancel.InvocationId, ref writer);
                break;
            case PingMessage:
                writer.WriteArrayHeader(1);
                writer.Write(HubProtocolConstants.PingMessageType);
                break;
            case CloseMessage close:
                // Always three elements, false written explicitly, as the official protocol writes it (observed).
                writer.WriteArrayHeader(3);
                writer.Write(HubProtocolConstants.CloseMessageType);
                WriteNullableString(close.Error, ref writer);
                writer.Write(close.AllowReconnect);
                break;
            case AckMessage ack:
                writer.WriteArrayHeader(2);
                writer.Write(HubProtocolConstants.AckMessageType);
                writer.Write(ack.SequenceId);
                break;
            case SequenceMessage sequence:
                writer.WriteArrayHeader(2);
                writer.Write(HubProtocolConstants.SequenceMessageType);
                writer.Write(sequence.SequenceId);
                break;
            default:
                throw new InvalidOperationException($"The MessagePack hub protocol cannot write a {message.GetType().Name}.");
        }
    }

    private static void WriteMethodInvocation(int type, HubMethodInvocationMessage message, ref MessagePackWriter writer, MessagePackSerializerOptions options)
    {
        writer.WriteArrayHeader(6);
        writer.Write(type);
        WriteHeaders(message.Headers, ref writer);
        WriteNullableString(message.InvocationId, ref writer);
        writer.Write(message.Target);

        var arguments = message.Arguments;
        writer.WriteArrayHeader(arguments.Length);
        foreach (var argument in arguments)
        {
            WriteValue(argument, ref writer, options);
        }

        var streamIds = message.StreamIds;
        if (streamIds is null)
        {
            writer.WriteArrayHeader(0);
        }
        else
        {
            writer.WriteArrayHeader(streamIds.Length);
            foreach (var id in streamIds)
            {
                writer.Write(id);
            }
        }
    }

    private static void WriteCompletion(CompletionMessage completion, ref MessagePackWriter writer, MessagePackSerializerOptions options)
    {
        var resultKind = completion.Error is not null ? 1 : completion.HasResult ? 3 : 2;
        writer.WriteArrayHeader(resultKind == 2 ? 4 : 5);
        writer.Write(HubProtocolConstants.CompletionMessageType);
        WriteHeaders(completion.Headers, ref writer);
        WriteNullableString(completion.InvocationId, ref writer);
        writer.Write(resultKind);
        if (resultKind == 1)
        {
            writer.Write(completion.Error);
        }
        else if (resultKind == 3)
        {
            WriteValue(completion.Result, ref writer, options);
        }
    }

    private static void WriteHeaders(IDictionary<string, string>? headers, ref MessagePackWriter writer)
    {
        if (headers is null || headers.Count == 0)
        {
            writer.WriteMapHeader(0);
            return;
        }

        writer.WriteMapHeader(headers.Count);
        foreach (var header in headers)
        {
            writer.Write(header.Key);
            writer.Write(header.Value);
        }
    }

    private static void WriteNullableString(string? value, ref MessagePackWriter writer)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.Write(value);
        }
    }

    private static void WriteValue(object? value, ref MessagePackWriter writer, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else if (value is RawResult raw)
        {
            writer.WriteRaw(raw.RawSerializedData);
        }
        else
        {
            BoxedFormatterCache.Get(value.GetType()).Serialize(ref writer, value, options);
        }
    }
}
