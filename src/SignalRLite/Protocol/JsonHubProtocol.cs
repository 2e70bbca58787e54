using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using SignalRLite.Internal.Protocol;

namespace SignalRLite.Protocol;

/// <summary>
/// The <c>json</c> hub protocol: one JSON object per message, each followed by the record separator 0x1E.
/// Stateless and thread-safe.
/// </summary>
public sealed partial class JsonHubProtocol : IHubProtocol
{
    private const string ProtocolName = "json";
    private const int ProtocolVersion = 2;

    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText HeadersName = JsonEncodedText.Encode("headers");
    private static readonly JsonEncodedText InvocationIdName = JsonEncodedText.Encode("invocationId");
    private static readonly JsonEncodedText TargetName = JsonEncodedText.Encode("target");
    private static readonly JsonEncodedText ArgumentsName = JsonEncodedText.Encode("arguments");
    private static readonly JsonEncodedText StreamIdsName = JsonEncodedText.Encode("streamIds");
    private static readonly JsonEncodedText ItemName = JsonEncodedText.Encode("item");
    private static readonly JsonEncodedText ResultName = JsonEncodedText.Encode("result");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText AllowReconnectName = JsonEncodedText.Encode("allowReconnect");
    private static readonly JsonEncodedText SequenceIdName = JsonEncodedText.Encode("sequenceId");

    private readonly JsonSerializerOptions _payloadSerializerOptions;
    private readonly JsonWriterOptions _writerOptions;
    private readonly JsonReaderOptions _readerOptions;

    /// <summary>Creates the protocol with default options.</summary>
    public JsonHubProtocol()
        : this(Options.Create(new JsonHubProtocolOptions()))
    {
    }

    /// <summary>Creates the protocol with the given options.</summary>
    public JsonHubProtocol(IOptions<JsonHubProtocolOptions> options)
    {
        _payloadSerializerOptions = options.Value.PayloadSerializerOptions;
        // An app that replaced the options and set no resolver gets the default one (reflection with the JIT, the built-in
        // types under trimming/AOT: JsonPayloadResolver).
        _payloadSerializerOptions.TypeInfoResolver ??= JsonPayloadResolver.CreateDefault();
        _payloadSerializerOptions.MakeReadOnly();
        _writerOptions = new JsonWriterOptions
        {
            Encoder = _payloadSerializerOptions.Encoder ?? JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            SkipValidation = true,
        };
        _readerOptions = new JsonReaderOptions
        {
            MaxDepth = _payloadSerializerOptions.MaxDepth == 0 ? 64 : _payloadSerializerOptions.MaxDepth,
        };
    }

    /// <inheritdoc />
    public string Name => ProtocolName;

    /// <inheritdoc />
    public int Version => ProtocolVersion;

    /// <inheritdoc />
    public TransferFormat TransferFormat => TransferFormat.Text;

    /// <inheritdoc />
    /// <remarks>Every version up to <see cref="Version"/> (0 and negative ones included), as the official protocol (observed).</remarks>
    public bool IsVersionSupported(int version) => version <= ProtocolVersion;

    /// <inheritdoc />
    /// <remarks>Messages of an unknown type are skipped (sliced off) and parsing goes on with the next one.</remarks>
    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, out HubMessage? message)
    {
        while (TextMessageParser.TryParseMessage(ref input, out var payload))
        {
            message = ParseMessage(payload, binder);
            if (message is not null)
            {
                return true;
            }
        }

        message = null;
        return false;
    }

    /// <inheritdoc />
    public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
    {
        var writer = ReusableUtf8JsonWriter.Get(output, _writerOptions);
        try
        {
            WriteMessageCore(message, writer);
            writer.Flush();
        }
        finally
        {
            ReusableUtf8JsonWriter.Return(writer);
        }

        TextMessageFormatter.WriteRecordSeparator(output);
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
    {
        var buffer = PooledBufferWriter.Rent();
        try
        {
            WriteMessage(message, buffer);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }
}
