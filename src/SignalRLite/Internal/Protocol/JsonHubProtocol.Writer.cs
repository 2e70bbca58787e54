using System.Text.Json;

namespace SignalRLite.Protocol;

// The writer of JsonHubProtocol (the public surface is in Protocol/JsonHubProtocol.cs).
public sealed partial class JsonHubProtocol
{
    private void WriteMessageCore(HubMessage message, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        switch (message)
        {
            case InvocationMessage m:
                WriteInvocationHeader(writer, HubProtocolConstants.InvocationMessageType, m);
                WriteTargetAndArguments(writer, m);
                break;
            case StreamInvocationMessage m:
                WriteInvocationHeader(writer, HubProtocolConstants.StreamInvocationMessageType, m);
                WriteTargetAndArguments(writer, m);
                break;
            case StreamItemMessage m:
                WriteInvocationHeader(writer, HubProtocolConstants.StreamItemMessageType, m);
                writer.WritePropertyName(ItemName);
                WriteValue(writer, m.Item);
                break;
            case CompletionMessage m:
                WriteInvocationHeader(writer, HubProtocolConstants.CompletionMessageType, m);
                if (m.Error is not null)
                {
                    writer.WriteString(ErrorName, m.Error);
                }
                else if (m.HasResult)
                {
                    writer.WritePropertyName(ResultName);
                    WriteValue(writer, m.Result);
                }

                break;
            case CancelInvocationMessage m:
                WriteInvocationHeader(writer, HubProtocolConstants.CancelInvocationMessageType, m);
                break;
            case PingMessage:
                writer.WriteNumber(TypeName, HubProtocolConstants.PingMessageType);
                break;
            case CloseMessage m:
                writer.WriteNumber(TypeName, HubProtocolConstants.CloseMessageType);
                if (m.Error is not null)
                {
                    writer.WriteString(ErrorName, m.Error);
                }

                if (m.AllowReconnect)
                {
                    writer.WriteBoolean(AllowReconnectName, true);
                }

                break;
            case AckMessage m:
                writer.WriteNumber(TypeName, HubProtocolConstants.AckMessageType);
                writer.WriteNumber(SequenceIdName, m.SequenceId);
                break;
            case SequenceMessage m:
                writer.WriteNumber(TypeName, HubProtocolConstants.SequenceMessageType);
                writer.WriteNumber(SequenceIdName, m.SequenceId);
                break;
            default:
                throw new InvalidOperationException($"Unsupported message type: {message.GetType().FullName}");
        }

        writer.WriteEndObject();
    }

    private static void WriteInvocationHeader(Utf8JsonWriter writer, int type, HubInvocationMessage message)
    {
        writer.WriteNumber(TypeName, type);
        if (message.Headers is { Count: > 0 } headers)
        {
            writer.WriteStartObject(HeadersName);
            foreach (var (key, value) in headers)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        if (message.InvocationId is not null)
        {
            writer.WriteString(InvocationIdName, message.InvocationId);
        }
    }

    private void WriteTargetAndArguments(Utf8JsonWriter writer, HubMethodInvocationMessage message)
    {
        writer.WriteString(TargetName, message.Target);
        writer.WriteStartArray(ArgumentsName);
        foreach (var argument in message.Arguments)
        {
            WriteValue(writer, argument);
        }

        writer.WriteEndArray();
        if (message.StreamIds is { Length: > 0 } streamIds)
        {
            writer.WriteStartArray(StreamIdsName);
            foreach (var id in streamIds)
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
        }
    }

    private void WriteValue(Utf8JsonWriter writer, object? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        if (value is RawResult raw)
        {
            writer.WriteRawValue(raw.RawSerializedData, skipInputValidation: true);
            return;
        }

        JsonSerializer.Serialize(writer, value, _payloadSerializerOptions.GetTypeInfo(value.GetType()));
    }
}
