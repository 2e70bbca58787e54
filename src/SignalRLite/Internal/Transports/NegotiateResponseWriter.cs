using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>Writes negotiate response bodies (TransportProtocols.md, "POST [endpoint-base]/negotiate request") with a <see cref="Utf8JsonWriter"/> reused per thread.</summary>
internal static class NegotiateResponseWriter
{
    private static readonly JsonEncodedText NegotiateVersionName = JsonEncodedText.Encode("negotiateVersion");
    private static readonly JsonEncodedText ConnectionIdName = JsonEncodedText.Encode("connectionId");
    private static readonly JsonEncodedText ConnectionTokenName = JsonEncodedText.Encode("connectionToken");
    private static readonly JsonEncodedText AvailableTransportsName = JsonEncodedText.Encode("availableTransports");
    private static readonly JsonEncodedText TransportName = JsonEncodedText.Encode("transport");
    private static readonly JsonEncodedText TransferFormatsName = JsonEncodedText.Encode("transferFormats");
    private static readonly JsonEncodedText UseStatefulReconnectName = JsonEncodedText.Encode("useStatefulReconnect");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText TokenLifetimeSecondsName = JsonEncodedText.Encode("tokenLifetimeSeconds");
    private static readonly JsonEncodedText WebSocketsValue = JsonEncodedText.Encode("WebSockets");
    private static readonly JsonEncodedText ServerSentEventsValue = JsonEncodedText.Encode("ServerSentEvents");
    private static readonly JsonEncodedText LongPollingValue = JsonEncodedText.Encode("LongPolling");
    private static readonly JsonEncodedText TextValue = JsonEncodedText.Encode("Text");
    private static readonly JsonEncodedText BinaryValue = JsonEncodedText.Encode("Binary");

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        var writer = t_writer;
        if (writer is null)
        {
            // Relaxed escaping: the error texts quote the version with ' (the official body has it unescaped).
            writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            t_writer = writer;
        }
        else
        {
            writer.Reset(output);
        }

        return writer;
    }

    private static void Return(Utf8JsonWriter writer) => writer.Reset();

    public static void WriteConnection(
        IBufferWriter<byte> output,
        int negotiateVersion,
        string connectionId,
        string? connectionToken,
        HttpTransportType transports,
        bool useStatefulReconnect,
        long? tokenLifetimeSeconds = null)
    {
        var writer = Rent(output);
        try
        {
            writer.WriteStartObject();
            if (useStatefulReconnect)
            {
                // First, where the official server writes it.
                writer.WriteBoolean(UseStatefulReconnectName, true);
            }

            writer.WriteNumber(NegotiateVersionName, negotiateVersion);
            writer.WriteString(ConnectionIdName, connectionId);
            if (connectionToken is not null)
            {
                writer.WriteString(ConnectionTokenName, connectionToken);
            }

            writer.WriteStartArray(AvailableTransportsName);
            if ((transports & HttpTransportType.WebSockets) != 0)
            {
                WriteTransport(writer, WebSocketsValue, binary: true);
            }

            if ((transports & HttpTransportType.ServerSentEvents) != 0)
            {
                WriteTransport(writer, ServerSentEventsValue, binary: false);
            }

            if ((transports & HttpTransportType.LongPolling) != 0)
            {
                WriteTransport(writer, LongPollingValue, binary: true);
            }

            writer.WriteEndArray();
            if (tokenLifetimeSeconds is { } lifetime)
            {
                // Authentication refresh only (absent otherwise, so the .NET 10 body is unchanged); last, clients read by name.
                writer.WriteNumber(TokenLifetimeSecondsName, lifetime);
            }

            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            Return(writer);
        }
    }

    private static void WriteTransport(Utf8JsonWriter writer, JsonEncodedText name, bool binary)
    {
        writer.WriteStartObject();
        writer.WriteString(TransportName, name);
        writer.WriteStartArray(TransferFormatsName);
        writer.WriteStringValue(TextValue);
        if (binary)
        {
            writer.WriteStringValue(BinaryValue);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteError(IBufferWriter<byte> output, string error)
    {
        var writer = Rent(output);
        try
        {
            writer.WriteStartObject();
            writer.WriteString(ErrorName, error);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            Return(writer);
        }
    }

    /// <summary>The body of a refresh answer: <c>{"error":"..."}</c>, <c>{"tokenLifetimeSeconds":n}</c> or <c>{}</c>.</summary>
    public static void WriteRefresh(IBufferWriter<byte> output, string? error, long? tokenLifetimeSeconds)
    {
        var writer = Rent(output);
        try
        {
            writer.WriteStartObject();
            if (error is not null)
            {
                writer.WriteString(ErrorName, error);
            }
            else if (tokenLifetimeSeconds is { } lifetime)
            {
                writer.WriteNumber(TokenLifetimeSecondsName, lifetime);
            }

            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            Return(writer);
        }
    }
}
