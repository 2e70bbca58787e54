using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Text;
using MessagePack;
using SignalRLite.Internal.Protocol;
using SignalRLite.Protocol;

namespace SignalRLite.Protocols.MessagePack.Internal;

/// <summary>
/// Decodes the body of one MessagePack hub message (HubProtocol.md, "MessagePack (MsgPack) encoding").
/// Structural errors throw <see cref="InvalidDataException"/>; payloads that cannot be bound to
/// the expected .NET types become binding-failure messages so the connection stays usable.
/// </summary>
internal static class MessagePackHubMessageReader
{
    /// <summary>
    /// Parses one message body. Returns <c>null</c> for a message type this protocol does not know
    /// (0, 10 and above), which the caller skips.
    /// </summary>
    public static HubMessage? Parse(in ReadOnlySequence<byte> body, IInvocationBinder binder, MessagePackSerializerOptions options)
    {
        try
        {
            var reader = new MessagePackReader(body);
            return ParseCore(ref reader, binder, options);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new InvalidDataException($"Error reading a MessagePack hub message: {ex.Message}", ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("Error reading a MessagePack hub message: the message ends before its last element.", ex);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // Raised by MessagePack's reader for some lengths that run past the end of the data.
            throw new InvalidDataException("Error reading a MessagePack hub message: a length runs past the end of the message.", ex);
        }
        catch (OverflowException ex)
        {
            throw new InvalidDataException($"Error reading a MessagePack hub message: a number is out of range. {ex.Message}", ex);
        }
    }

    private static HubMessage? ParseCore(ref MessagePackReader reader, IInvocationBinder binder, MessagePackSerializerOptions options)
    {
        if (reader.End)
        {
            throw new InvalidDataException("A MessagePack hub message cannot be empty.");
        }

        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            throw new InvalidDataException($"A MessagePack hub message must be an array, but found {reader.NextMessagePackType}.");
        }

        var count = reader.ReadArrayHeader();
        if (count == 0)
        {
            throw new InvalidDataException("A MessagePack hub message cannot be an empty array.");
        }

        if (reader.NextMessagePackType != MessagePackType.Integer)
        {
            throw new InvalidDataException($"The message type must be an integer, but found {reader.NextMessagePackType}.");
        }

        // A type number beyond the range of long is just another unknown type.
        var type = reader.NextCode == MessagePackCode.UInt64 && reader.CreatePeekReader().ReadUInt64() > long.MaxValue
            ? SkipUnknownType(ref reader)
            : reader.ReadInt64();
        HubMessage message;
        int read;
        switch (type)
        {
            case HubProtocolConstants.InvocationMessageType:
                RequireCount(count, 5, "Invocation");
                message = ReadMethodInvocation(ref reader, binder, options, count, streaming: false, out read);
                break;
            case HubProtocolConstants.StreamInvocationMessageType:
                RequireCount(count, 5, "StreamInvocation");
                message = ReadMethodInvocation(ref reader, binder, options, count, streaming: true, out read);
                break;
            case HubProtocolConstants.StreamItemMessageType:
                RequireCount(count, 4, "StreamItem");
                message = ReadStreamItem(ref reader, binder, options);
                read = 4;
                break;
            case HubProtocolConstants.CompletionMessageType:
                RequireCount(count, 4, "Completion");
                message = ReadCompletion(ref reader, binder, options, count, out read);
                break;
            case HubProtocolConstants.CancelInvocationMessageType:
                RequireCount(count, 3, "CancelInvocation");
                var headers = ReadHeaders(ref reader);
                message = new CancelInvocationMessage(ReadRequiredString(ref reader, "invocation id")) { Headers = headers };
                read = 3;
                break;
            case HubProtocolConstants.PingMessageType:
                message = PingMessage.Instance;
                read = 1;
                break;
            case HubProtocolConstants.CloseMessageType:
                RequireCount(count, 2, "Close");
                message = ReadClose(ref reader, count, out read);
                break;
            case HubProtocolConstants.AckMessageType:
                RequireCount(count, 2, "Ack");
                message = new AckMessage(ReadInteger(ref reader, "sequence id"));
                read = 2;
                break;
            case HubProtocolConstants.SequenceMessageType:
                RequireCount(count, 2, "Sequence");
                message = new SequenceMessage(ReadInteger(ref reader, "sequence id"));
                read = 2;
                break;
            default:
                // Unknown (future) message type: the frame is skipped whole, its content is not validated.
                return null;
        }

        // Forward compatibility: elements beyond the known layout are ignored.
        MessagePackValueSkipper.Skip(ref reader, count - read);
        if (!reader.End)
        {
            throw new InvalidDataException("A MessagePack hub message has bytes after its array.");
        }

        return message;
    }

    private static long SkipUnknownType(ref MessagePackReader reader)
    {
        reader.Skip();
        return -1;
    }

    private static HubMessage ReadMethodInvocation(ref MessagePackReader reader, IInvocationBinder binder, MessagePackSerializerOptions options, int count, bool streaming, out int read)
    {
        var headers = ReadHeaders(ref reader);
        var invocationId = streaming ? ReadRequiredString(ref reader, "invocation id") : ReadOptionalString(ref reader, "invocation id");
        if (streaming && invocationId!.Length == 0)
        {
            throw new InvalidDataException("A StreamInvocation requires a non-empty invocation id.");
        }

        var target = ReadTarget(ref reader, binder);
        var arguments = BindArguments(ref reader, binder, target, options, out var bindingFailure);
        string[]? streamIds = null;
        read = 5;
        if (count >= 6)
        {
            streamIds = ReadStreamIds(ref reader);
            read = 6;
        }

        if (bindingFailure is not null)
        {
            return new InvocationBindingFailureMessage(invocationId, target, bindingFailure) { Headers = headers };
        }

        if (streaming)
        {
            return new StreamInvocationMessage(invocationId!, target, arguments!, streamIds) { Headers = headers };
        }

        var invocation = binder is IInvocationMessagePool pool
            ? pool.CreateInvocation(invocationId, target, arguments!, streamIds)
            : new InvocationMessage(invocationId, target, arguments!, streamIds);
        invocation.Headers = headers;
        return invocation;
    }

    private static object?[]? BindArguments(ref MessagePackReader reader, IInvocationBinder binder, string target, MessagePackSerializerOptions options, out ExceptionDispatchInfo? failure)
    {
        failure = null;
        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            throw new InvalidDataException($"Reading 'arguments' as Array failed: found {reader.NextMessagePackType}.");
        }

        var argumentCount = reader.ReadArrayHeader();
        IReadOnlyList<Type> parameterTypes;
        try
        {
            parameterTypes = binder.GetParameterTypes(target);
        }
        catch (Exception ex)
        {
            failure = ExceptionDispatchInfo.Capture(ex);
            MessagePackValueSkipper.Skip(ref reader, argumentCount);
            return null;
        }

        if (parameterTypes.Count != argumentCount)
        {
            failure = ExceptionDispatchInfo.Capture(new InvalidDataException(
                $"Invocation provides {argumentCount} argument(s) but target expects {parameterTypes.Count}."));
            MessagePackValueSkipper.Skip(ref reader, argumentCount);
            return null;
        }

        if (argumentCount == 0)
        {
            return Array.Empty<object?>();
        }

        var arguments = binder is IInvocationMessagePool pool ? pool.RentArguments(argumentCount) : new object?[argumentCount];
        for (var i = 0; i < argumentCount; i++)
        {
            if (!TryDeserialize(ref reader, parameterTypes[i], options, out arguments[i], out var error))
            {
                failure = ExceptionDispatchInfo.Capture(new InvalidDataException(
                    $"Error binding arguments. Make sure that the types of the provided values match the types of the hub method being invoked. Argument {i} could not be read as {parameterTypes[i]}.",
                    error));
                MessagePackValueSkipper.Skip(ref reader, argumentCount - i);
                return null;
            }
        }

        return arguments;
    }

    private static HubMessage ReadStreamItem(ref MessagePackReader reader, IInvocationBinder binder, MessagePackSerializerOptions options)
    {
        var headers = ReadHeaders(ref reader);
        var id = ReadRequiredString(ref reader, "invocation id");
        Type itemType;
        try
        {
            itemType = binder.GetStreamItemType(id);
        }
        catch (Exception ex)
        {
            MessagePackValueSkipper.Skip(ref reader, 1);
            return new StreamBindingFailureMessage(id, ExceptionDispatchInfo.Capture(ex));
        }

        if (!TryDeserialize(ref reader, itemType, options, out var item, out var error))
        {
            MessagePackValueSkipper.Skip(ref reader, 1);
            // The official protocol's text (observed through detailed errors).
            return new StreamBindingFailureMessage(id, ExceptionDispatchInfo.Capture(new InvalidDataException(
                $"Deserializing object of the `{itemType.Name}` type for 'item' failed.", error)));
        }

        return new StreamItemMessage(id, item) { Headers = headers };
    }

    private static HubMessage ReadCompletion(ref MessagePackReader reader, IInvocationBinder binder, MessagePackSerializerOptions options, int count, out int read)
    {
        var headers = ReadHeaders(ref reader);
        var id = ReadRequiredString(ref reader, "invocation id");
        var resultKind = ReadInteger(ref reader, "result kind");
        CompletionMessage completion;
        switch (resultKind)
        {
            case 1: // error
                RequireCount(count, 5, "Completion with an error");
                completion = CompletionMessage.WithError(id, ReadRequiredString(ref reader, "error"));
                read = 5;
                break;
            case 2: // void
                completion = CompletionMessage.Empty(id);
                read = 4;
                break;
            case 3: // non-void
                RequireCount(count, 5, "Completion with a result");
                completion = ReadCompletionResult(ref reader, binder, options, id);
                read = 5;
                break;
            default:
                throw new InvalidDataException($"Invalid invocation result kind: {resultKind}.");
        }

        completion.Headers = headers;
        return completion;
    }

    // A result that cannot be bound (unknown invocation id, so no expected type; or a value of the wrong
    // type) does not break the connection: it becomes an error Completion for that id. The hub layer
    // ignores completions for ids it does not know and fails the pending call otherwise.
    private static CompletionMessage ReadCompletionResult(ref MessagePackReader reader, IInvocationBinder binder, MessagePackSerializerOptions options, string id)
    {
        Type resultType;
        try
        {
            resultType = binder.GetReturnType(id);
        }
        catch (Exception ex)
        {
            MessagePackValueSkipper.Skip(ref reader, 1);
            return CompletionMessage.WithError(id, $"Error binding the result of invocation '{id}': {ex.Message}");
        }

        if (!TryDeserialize(ref reader, resultType, options, out var result, out var error))
        {
            MessagePackValueSkipper.Skip(ref reader, 1);
            return CompletionMessage.WithError(id, $"Error trying to deserialize result to {resultType.Name}. {error!.Message}");
        }

        return CompletionMessage.WithResult(id, result);
    }

    private static HubMessage ReadClose(ref MessagePackReader reader, int count, out int read)
    {
        var error = ReadOptionalString(ref reader, "error");
        var allowReconnect = false;
        read = 2;
        if (count >= 3)
        {
            if (reader.NextMessagePackType != MessagePackType.Boolean)
            {
                throw new InvalidDataException($"Reading 'allowReconnect' as Boolean failed: found {reader.NextMessagePackType}.");
            }

            allowReconnect = reader.ReadBoolean();
            read = 3;
        }

        return error is null && !allowReconnect ? CloseMessage.Empty : new CloseMessage(error, allowReconnect);
    }

    // Tries the serializer on a copy position: on failure the reader is put back so the caller can
    // skip the value structurally (which throws only when the data itself is malformed).
    private static bool TryDeserialize(ref MessagePackReader reader, Type type, MessagePackSerializerOptions options, out object? value, out Exception? error)
    {
        var start = reader;
        if (type == typeof(RawResult))
        {
            // The value's bytes, unparsed (copied: the input buffer is reused after parsing).
            var from = reader.Position;
            reader.Skip();
            value = new RawResult(new ReadOnlySequence<byte>(reader.Sequence.Slice(from, reader.Position).ToArray()));
            error = null;
            return true;
        }

        try
        {
            value = BoxedFormatterCache.Get(type).Deserialize(ref reader, options);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            reader = start;
            value = null;
            error = ex;
            return false;
        }
    }

    private static IDictionary<string, string>? ReadHeaders(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.Map)
        {
            throw new InvalidDataException($"Reading 'headers' as Map failed: found {reader.NextMessagePackType}.");
        }

        var count = reader.ReadMapHeader();
        if (count == 0)
        {
            return null;
        }

        EnsureRemaining(ref reader, 2L * count, "headers");

        // Capacity is bounded: a hostile count must not pre-allocate memory (each entry takes at least 2 bytes).
        var headers = new Dictionary<string, string>(Math.Min(count, 16), StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var key = ReadRequiredString(ref reader, "header key");
            headers[key] = ReadRequiredString(ref reader, "header value");
        }

        return headers;
    }

    private static string[]? ReadStreamIds(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            throw new InvalidDataException($"Reading 'streamIds' as Array failed: found {reader.NextMessagePackType}.");
        }

        var count = reader.ReadArrayHeader();
        if (count == 0)
        {
            return null;
        }

        EnsureRemaining(ref reader, count, "streamIds");
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = ReadRequiredString(ref reader, "stream id");
        }

        return ids;
    }

    private static string ReadTarget(ref MessagePackReader reader, IInvocationBinder binder)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            throw new InvalidDataException($"Reading 'target' as String failed: found {reader.NextMessagePackType}.");
        }

        string target;
        if (reader.TryReadStringSpan(out var span))
        {
            target = binder.GetTarget(span) ?? Encoding.UTF8.GetString(span);
        }
        else
        {
            var sequence = reader.ReadStringSequence()!.Value;
            var length = checked((int)sequence.Length);
            var rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                sequence.CopyTo(rented);
                var bytes = rented.AsSpan(0, length);
                target = binder.GetTarget(bytes) ?? Encoding.UTF8.GetString(bytes);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        if (target.Length == 0)
        {
            throw new InvalidDataException("The invocation target cannot be empty.");
        }

        return target;
    }

    private static string ReadRequiredString(ref MessagePackReader reader, string field)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            throw new InvalidDataException($"Reading '{field}' as String failed: found {reader.NextMessagePackType}.");
        }

        return reader.ReadString()!;
    }

    private static string? ReadOptionalString(ref MessagePackReader reader, string field)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        return ReadRequiredString(ref reader, field);
    }

    private static long ReadInteger(ref MessagePackReader reader, string field)
    {
        if (reader.NextMessagePackType != MessagePackType.Integer)
        {
            throw new InvalidDataException($"Reading '{field}' as Integer failed: found {reader.NextMessagePackType}.");
        }

        return reader.ReadInt64();
    }

    // Every element takes at least one byte: a count larger than the bytes left is a lie, refused before allocating.
    private static void EnsureRemaining(ref MessagePackReader reader, long elements, string field)
    {
        if (reader.Sequence.Length - reader.Consumed < elements)
        {
            throw new InvalidDataException($"Reading '{field}' failed: the declared element count exceeds the message size.");
        }
    }

    private static void RequireCount(int count, int minimum, string messageName)
    {
        if (count < minimum)
        {
            throw new InvalidDataException($"Invalid {messageName} message: expected at least {minimum} elements but found {count}.");
        }
    }
}
