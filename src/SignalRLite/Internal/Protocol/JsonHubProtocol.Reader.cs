using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using SignalRLite.Internal.Protocol;

namespace SignalRLite.Protocol;

// The parser of JsonHubProtocol (the public surface is in Protocol/JsonHubProtocol.cs).
public sealed partial class JsonHubProtocol
{
    private HubMessage? ParseMessage(ReadOnlySequence<byte> payload, IInvocationBinder binder)
    {
        var span = JsonReaderHelpers.Contiguous(payload, out var rented);
        try
        {
            var reader = new Utf8JsonReader(span, _readerOptions);
            return ParseMessage(ref reader, binder);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("Error reading JSON.", ex);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private HubMessage? ParseMessage(ref Utf8JsonReader reader, IInvocationBinder binder)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException($"Unexpected JSON token '{reader.TokenType}'. Expected a JSON object.");
        }

        int? type = null;
        string? invocationId = null;
        string? target = null;
        string? error = null;
        bool allowReconnect = false;
        long? sequenceId = null;
        Dictionary<string, string>? headers = null;
        string[]? streamIds = null;
        var invocationIdSeen = false;
        var targetSeen = false;

        // Payloads are bound as soon as the property that gives their type (target, invocationId) is known;
        // when the payload comes first, the reader is checkpointed there and the payload bound at the end.
        var arguments = default(PendingPayload<object?[]>);
        var item = default(PendingPayload<object?>);
        var result = default(PendingPayload<object?>);

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new InvalidDataException($"Unexpected JSON token '{reader.TokenType}'. Expected a property name.");
            }

            JsonReaderHelpers.ValidatePropertyName(ref reader);
            if (reader.ValueTextEquals(TypeName.EncodedUtf8Bytes))
            {
                Read(ref reader, JsonTokenType.Number, "type");
                if (!reader.TryGetInt32(out var t))
                {
                    throw new InvalidDataException("Expected 'type' to be an integer.");
                }

                type = t;
            }
            else if (reader.ValueTextEquals(InvocationIdName.EncodedUtf8Bytes))
            {
                // The id and the target choose the types payloads are bound to: a second value would
                // leave a payload bound for one id or method in a message for another.
                RequireFirst(ref invocationIdSeen, "invocationId");
                invocationId = ReadNullableString(ref reader, "invocationId");
            }
            else if (reader.ValueTextEquals(TargetName.EncodedUtf8Bytes))
            {
                RequireFirst(ref targetSeen, "target");
                Read(ref reader, JsonTokenType.String, "target");
                target = (reader.ValueIsEscaped ? null : binder.GetTarget(reader.ValueSpan)) ?? JsonReaderHelpers.GetValidString(ref reader, "target");
            }
            else if (reader.ValueTextEquals(ErrorName.EncodedUtf8Bytes))
            {
                error = ReadNullableString(ref reader, "error");
            }
            else if (reader.ValueTextEquals(AllowReconnectName.EncodedUtf8Bytes))
            {
                reader.Read();
                allowReconnect = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw new InvalidDataException("Expected 'allowReconnect' to be of type Boolean."),
                };
            }
            else if (reader.ValueTextEquals(SequenceIdName.EncodedUtf8Bytes))
            {
                Read(ref reader, JsonTokenType.Number, "sequenceId");
                if (!reader.TryGetInt64(out var s))
                {
                    throw new InvalidDataException("Expected 'sequenceId' to be an integer.");
                }

                sequenceId = s;
            }
            else if (reader.ValueTextEquals(HeadersName.EncodedUtf8Bytes))
            {
                headers = ReadHeaders(ref reader);
            }
            else if (reader.ValueTextEquals(StreamIdsName.EncodedUtf8Bytes))
            {
                streamIds = ReadStreamIds(ref reader);
            }
            else if (reader.ValueTextEquals(ArgumentsName.EncodedUtf8Bytes))
            {
                Read(ref reader, JsonTokenType.StartArray, "arguments");
                arguments.Seen = true;
                if (target is not null)
                {
                    arguments.Bind(ref reader, this, static (p, ref r, s) => p.BindArguments(ref r, s.binder.GetParameterTypes(s.target!), s.binder), (binder, target));
                }
                else
                {
                    arguments.Defer(ref reader);
                }
            }
            else if (reader.ValueTextEquals(ItemName.EncodedUtf8Bytes))
            {
                reader.Read();
                item.Seen = true;
                if (invocationId is not null)
                {
                    item.Bind(ref reader, this, static (p, ref r, s) => p.BindValue(ref r, s.binder.GetStreamItemType(s.target!)), (binder, target: invocationId));
                }
                else
                {
                    item.Defer(ref reader);
                }
            }
            else if (reader.ValueTextEquals(ResultName.EncodedUtf8Bytes))
            {
                reader.Read();
                result.Seen = true;
                if (invocationId is not null)
                {
                    result.Bind(ref reader, this, static (p, ref r, s) => p.BindValue(ref r, s.binder.GetReturnType(s.target!)), (binder, target: invocationId));
                }
                else
                {
                    result.Defer(ref reader);
                }
            }
            else
            {
                // Unknown properties are ignored, for forward compatibility.
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new InvalidDataException("Unexpected end of JSON object.");
        }

        if (reader.Read())
        {
            throw new InvalidDataException("Unexpected content after the JSON object.");
        }

        if (type is null)
        {
            throw new InvalidDataException("Missing required property 'type'.");
        }

        HubMessage? message;
        switch (type.Value)
        {
            case HubProtocolConstants.InvocationMessageType:
            case HubProtocolConstants.StreamInvocationMessageType:
                if (target is null)
                {
                    throw new InvalidDataException("Missing required property 'target'.");
                }

                if (!arguments.Seen)
                {
                    throw new InvalidDataException("Missing required property 'arguments'.");
                }

                if (type == HubProtocolConstants.StreamInvocationMessageType && invocationId is null)
                {
                    throw new InvalidDataException("Missing required property 'invocationId'.");
                }

                arguments.BindDeferred(this, static (p, ref r, s) => p.BindArguments(ref r, s.binder.GetParameterTypes(s.target!), s.binder), (binder, target));
                if (arguments.Failure is not null)
                {
                    message = new InvocationBindingFailureMessage(invocationId, target, arguments.Failure);
                }
                else if (type == HubProtocolConstants.InvocationMessageType)
                {
                    message = binder is IInvocationMessagePool pool
                        ? pool.CreateInvocation(invocationId, target, arguments.Value!, streamIds)
                        : new InvocationMessage(invocationId, target, arguments.Value!, streamIds);
                }
                else
                {
                    message = new StreamInvocationMessage(invocationId!, target, arguments.Value!, streamIds);
                }

                break;

            case HubProtocolConstants.StreamItemMessageType:
                RequireInvocationId(invocationId);
                if (!item.Seen)
                {
                    throw new InvalidDataException("Missing required property 'item'.");
                }

                item.BindDeferred(this, static (p, ref r, s) => p.BindValue(ref r, s.binder.GetStreamItemType(s.target!)), (binder, target: invocationId));
                message = item.Failure is not null
                    ? new StreamBindingFailureMessage(invocationId!, item.Failure)
                    : new StreamItemMessage(invocationId!, item.Value);
                break;

            case HubProtocolConstants.CompletionMessageType:
                RequireInvocationId(invocationId);
                if (error is not null && result.Seen)
                {
                    throw new InvalidDataException("The 'error' and 'result' properties are mutually exclusive.");
                }

                if (result.Seen)
                {
                    result.BindDeferred(this, static (p, ref r, s) => p.BindValue(ref r, s.binder.GetReturnType(s.target!)), (binder, target: invocationId));

                    // A result that cannot be bound fails the awaiting code, not the connection.
                    message = result.Failure is not null
                        ? CompletionMessage.WithError(invocationId!, $"Error trying to deserialize result to the expected type. {result.Failure.SourceException.Message}")
                        : CompletionMessage.WithResult(invocationId!, result.Value);
                }
                else
                {
                    message = new CompletionMessage(invocationId!, error, null, hasResult: false);
                }

                break;

            case HubProtocolConstants.CancelInvocationMessageType:
                RequireInvocationId(invocationId);
                message = new CancelInvocationMessage(invocationId!);
                break;

            case HubProtocolConstants.PingMessageType:
                return PingMessage.Instance;

            case HubProtocolConstants.CloseMessageType:
                return error is null && !allowReconnect ? CloseMessage.Empty : new CloseMessage(error, allowReconnect);

            case HubProtocolConstants.AckMessageType:
                return new AckMessage(sequenceId ?? throw new InvalidDataException("Missing required property 'sequenceId'."));

            case HubProtocolConstants.SequenceMessageType:
                return new SequenceMessage(sequenceId ?? throw new InvalidDataException("Missing required property 'sequenceId'."));

            default:
                // Unknown message types are skipped, so that newer optional messages do not break the connection.
                return null;
        }

        if (headers is not null && message is HubInvocationMessage invocationMessage)
        {
            invocationMessage.Headers = headers;
        }

        return message;
    }

    private object?[] BindArguments(ref Utf8JsonReader reader, IReadOnlyList<Type> parameterTypes, IInvocationBinder binder)
    {
        var count = parameterTypes.Count;
        var arguments = binder is IInvocationMessagePool pool ? pool.RentArguments(count) : count == 0 ? [] : new object?[count];
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (index >= count)
            {
                throw new InvalidDataException($"Invocation provides more than {count} argument(s) but target expects {count}.");
            }

            arguments[index] = BindValue(ref reader, parameterTypes[index]);
            index++;
        }

        if (index != count)
        {
            throw new InvalidDataException($"Invocation provides {index} argument(s) but target expects {count}.");
        }

        return arguments;
    }

    private object? BindValue(ref Utf8JsonReader reader, Type type)
    {
        if (type == typeof(RawResult))
        {
            return ReadRawValue(ref reader);
        }

        if (reader.TokenType == JsonTokenType.Null && !type.IsValueType)
        {
            return null;
        }

        return JsonSerializer.Deserialize(ref reader, _payloadSerializerOptions.GetTypeInfo(type));
    }

    /// <summary>The JSON text of the value at the reader (copied: the input buffer is reused after parsing).</summary>
    private static RawResult ReadRawValue(ref Utf8JsonReader reader)
    {
        var element = JsonElement.ParseValue(ref reader);
        return new RawResult(new ReadOnlySequence<byte>(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element).ToArray()));
    }

    private static void RequireFirst(ref bool seen, string property)
    {
        if (seen)
        {
            throw new InvalidDataException($"Duplicate property '{property}'.");
        }

        seen = true;
    }

    private static void RequireInvocationId(string? invocationId)
    {
        if (invocationId is null)
        {
            throw new InvalidDataException("Missing required property 'invocationId'.");
        }
    }

    private static void Read(ref Utf8JsonReader reader, JsonTokenType expected, string property)
    {
        if (!reader.Read() || reader.TokenType != expected)
        {
            throw new InvalidDataException($"Expected '{property}' to be of type {expected}.");
        }
    }

    private static string? ReadNullableString(ref Utf8JsonReader reader, string property)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => JsonReaderHelpers.GetValidString(ref reader, property),
            JsonTokenType.Null => null,
            _ => throw new InvalidDataException($"Expected '{property}' to be of type String."),
        };
    }

    private static Dictionary<string, string> ReadHeaders(ref Utf8JsonReader reader)
    {
        Read(ref reader, JsonTokenType.StartObject, "headers");
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = JsonReaderHelpers.GetValidString(ref reader, "headers");
            Read(ref reader, JsonTokenType.String, "headers");
            headers[name] = JsonReaderHelpers.GetValidString(ref reader, "headers");
        }

        return headers;
    }

    private static string[] ReadStreamIds(ref Utf8JsonReader reader)
    {
        Read(ref reader, JsonTokenType.StartArray, "streamIds");
        var ids = new List<string>(1);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new InvalidDataException("Expected 'streamIds' to be an array of strings.");
            }

            ids.Add(JsonReaderHelpers.GetValidString(ref reader, "streamIds"));
        }

        return ids.ToArray();
    }

    private delegate T Binder<T, TState>(JsonHubProtocol protocol, ref Utf8JsonReader reader, TState state);

    /// <summary>A payload property (arguments, item, result) that is bound now, or later from a reader checkpoint.</summary>
    private ref struct PendingPayload<T>
    {
        private Utf8JsonReader _checkpoint;
        private bool _deferred;

        public bool Seen;
        public T? Value;
        public ExceptionDispatchInfo? Failure;

        /// <summary>Binds at the reader's position; on failure, rewinds and skips the value (validating its syntax).</summary>
        public void Bind<TState>(ref Utf8JsonReader reader, JsonHubProtocol protocol, Binder<T, TState> bind, TState state)
        {
            var checkpoint = reader;
            try
            {
                Value = bind(protocol, ref reader, state);
            }
            catch (Exception ex)
            {
                Failure = ExceptionDispatchInfo.Capture(ex);
                reader = checkpoint;
                reader.Skip();
            }
        }

        public void Defer(ref Utf8JsonReader reader)
        {
            _checkpoint = reader;
            _deferred = true;
            reader.Skip();
        }

        public void BindDeferred<TState>(JsonHubProtocol protocol, Binder<T, TState> bind, TState state)
        {
            if (_deferred)
            {
                _deferred = false;
                Bind(ref _checkpoint, protocol, bind, state);
            }
        }
    }
}
