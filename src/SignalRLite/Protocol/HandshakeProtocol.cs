using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using SignalRLite.Internal.Protocol;

namespace SignalRLite.Protocol;

/// <summary>
/// The handshake that opens every connection: always JSON followed by 0x1E, whatever hub protocol it selects.
/// </summary>
public static class HandshakeProtocol
{
    private static readonly JsonEncodedText ProtocolName = JsonEncodedText.Encode("protocol");
    private static readonly JsonEncodedText VersionName = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly byte[] SuccessBytes = "{}\u001e"u8.ToArray();

    /// <summary>The successful response, <c>{}</c> followed by 0x1E.</summary>
    public static ReadOnlyMemory<byte> SuccessResponse => SuccessBytes;

    /// <summary>
    /// The successful handshake response a server sends to a client of <paramref name="protocol"/>: <c>{}</c> followed
    /// by 0x1E. The handshake is JSON whatever the hub protocol, so the bytes are the same for every protocol.
    /// </summary>
    public static ReadOnlySpan<byte> GetSuccessfulHandshake(IHubProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        return SuccessBytes;
    }

    /// <summary>Writes a handshake request (used by clients and tests).</summary>
    public static void WriteRequestMessage(HandshakeRequestMessage requestMessage, IBufferWriter<byte> output)
    {
        var writer = ReusableUtf8JsonWriter.Get(output, WriterOptions);
        try
        {
            writer.WriteStartObject();
            writer.WriteString(ProtocolName, requestMessage.Protocol);
            writer.WriteNumber(VersionName, requestMessage.Version);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            ReusableUtf8JsonWriter.Return(writer);
        }

        TextMessageFormatter.WriteRecordSeparator(output);
    }

    /// <summary>Writes a handshake response: <c>{}</c> on success, <c>{"error":"..."}</c> otherwise.</summary>
    public static void WriteResponseMessage(HandshakeResponseMessage responseMessage, IBufferWriter<byte> output)
    {
        if (responseMessage.Error is null)
        {
            output.Write(SuccessBytes);
            return;
        }

        var writer = ReusableUtf8JsonWriter.Get(output, WriterOptions);
        try
        {
            writer.WriteStartObject();
            writer.WriteString(ErrorName, responseMessage.Error);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            ReusableUtf8JsonWriter.Return(writer);
        }

        TextMessageFormatter.WriteRecordSeparator(output);
    }

    /// <summary>
    /// Parses the handshake request at the start of <paramref name="buffer"/> and slices it off; bytes after its
    /// separator stay in the buffer. Returns false when the separator has not arrived yet.
    /// Throws <see cref="InvalidDataException"/> when the request is malformed.
    /// </summary>
    public static bool TryParseRequestMessage(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out HandshakeRequestMessage? requestMessage)
    {
        if (!TextMessageParser.TryParseMessage(ref buffer, out var payload))
        {
            requestMessage = null;
            return false;
        }

        string? protocol = null;
        int? version = null;
        var span = JsonReaderHelpers.Contiguous(payload, out var rented);
        try
        {
            // The official server's rules and texts (observed): the first JSON value must be an object; what follows it
            // before the separator is ignored; a null version counts as missing; a version that is a number but not an
            // Int32 fails as Utf8JsonReader.GetInt32 fails.
            var reader = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = 16, AllowMultipleValues = true });
            ReadStartObject(ref reader);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                JsonReaderHelpers.ValidatePropertyName(ref reader);
                if (reader.ValueTextEquals(ProtocolName.EncodedUtf8Bytes))
                {
                    reader.Read();
                    protocol = reader.TokenType == JsonTokenType.String
                        ? JsonReaderHelpers.GetValidString(ref reader, "protocol")
                        : throw new InvalidDataException("Expected 'protocol' to be of type String.");
                }
                else if (reader.ValueTextEquals(VersionName.EncodedUtf8Bytes))
                {
                    reader.Read();
                    version = reader.TokenType switch
                    {
                        JsonTokenType.Number => GetInt32(ref reader),
                        JsonTokenType.Null => null,
                        _ => throw new InvalidDataException("Expected 'version' to be of type Number."),
                    };
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                throw new InvalidDataException("Handshake request is malformed: expected the end of the JSON object.");
            }

            if (protocol is null || version is null)
            {
                throw new InvalidDataException(
                    $"Missing required property '{(protocol is null ? "protocol" : "version")}'. Message content: {Encoding.UTF8.GetString(span)}");
            }
        }
        catch (JsonException ex)
        {
            // Carried as the cause: with detailed errors the server shows it, as the official server shows its own.
            throw new InvalidDataException("Handshake request is malformed.", ex);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        requestMessage = new HandshakeRequestMessage(protocol, version.Value);
        return true;
    }

    /// <summary>Parses a handshake response (used by clients and tests). Returns false when incomplete.</summary>
    public static bool TryParseResponseMessage(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out HandshakeResponseMessage? responseMessage)
    {
        if (!TextMessageParser.TryParseMessage(ref buffer, out var payload))
        {
            responseMessage = null;
            return false;
        }

        string? error = null;
        var span = JsonReaderHelpers.Contiguous(payload, out var rented);
        try
        {
            var reader = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = 16 });
            ReadStartObject(ref reader);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                JsonReaderHelpers.ValidatePropertyName(ref reader);
                if (reader.ValueTextEquals(ErrorName.EncodedUtf8Bytes))
                {
                    reader.Read();
                    error = reader.TokenType == JsonTokenType.String ? JsonReaderHelpers.GetValidString(ref reader, "error") : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            ReadEndObject(ref reader);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("Handshake response is malformed.", ex);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        responseMessage = error is null ? HandshakeResponseMessage.Empty : new HandshakeResponseMessage(error);
        return true;
    }

    private static void ReadStartObject(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new InvalidDataException("Handshake request is malformed: expected a JSON object.");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            // "StartArray" reads "Array", as in the official text.
            var name = reader.TokenType.ToString();
            throw new InvalidDataException($"Unexpected JSON Token Type '{(name.StartsWith("Start", StringComparison.Ordinal) ? name[5..] : name)}'. Expected a JSON Object.");
        }
    }

    /// <summary>The number as an Int32; one that is not fails with the reader's own <see cref="FormatException"/> (wrapped).</summary>
    private static int GetInt32(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetInt32();
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException("Handshake request is malformed.", ex);
        }
    }

    private static void ReadEndObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw new InvalidDataException("Handshake request is malformed: expected the end of the JSON object.");
        }
    }
}
