using System.Buffers;
using System.Text;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using SignalRLite.Internal.Protocol;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.Protocol;

/// <summary>
/// The JSON protocol as a Native AOT app runs it: no reflection resolver, only the app's source-generated context and
/// SignalRLite's built-in primitive types (JsonPayloadResolver's default when JsonSerializer.IsReflectionEnabledByDefault
/// is false; this process has reflection on, so the chain is set up explicitly here).
/// </summary>
public sealed partial class JsonSourceGeneratedContextTests
{
    private const char RS = '\u001e';

    public sealed record Note(string Title, int Stars);

    [JsonSerializable(typeof(Note))]
    internal sealed partial class NoteContext : JsonSerializerContext;

    private static JsonHubProtocol CreateProtocol(bool builtIns = true)
    {
        var options = new JsonHubProtocolOptions();
        options.PayloadSerializerOptions.TypeInfoResolver = builtIns
            ? JsonTypeInfoResolver.Combine(NoteContext.Default, JsonBuiltInPayloadTypes.Default)
            : NoteContext.Default;
        return new JsonHubProtocol(Options.Create(options));
    }

    private static readonly TestBinder Binder = new(
        methods: new() { ["Send"] = [typeof(Note), typeof(string), typeof(long), typeof(Guid)] },
        returns: new(),
        streams: new());

    [Fact]
    public void App_types_and_primitives_bind_and_write_without_reflection()
    {
        var protocol = CreateProtocol();
        var text = "{\"type\":1,\"target\":\"Send\",\"arguments\":[{\"title\":\"t\",\"stars\":5},\"s\",42,\"6d9c1a52-8f8e-4d0a-9a48-3b0b3c1d6f00\"]}" + RS;
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        Assert.True(protocol.TryParseMessage(ref input, Binder, out var message));
        var invocation = Assert.IsType<InvocationMessage>(message);
        Assert.Equal(new object[] { new Note("t", 5), "s", 42L, Guid.Parse("6d9c1a52-8f8e-4d0a-9a48-3b0b3c1d6f00") }, invocation.Arguments);

        var output = new ArrayBufferWriter<byte>();
        protocol.WriteMessage(CompletionMessage.WithResult("1", new Note("n", 3)), output);
        protocol.WriteMessage(new StreamItemMessage("2", 7), output);
        Assert.Equal("{\"type\":3,\"invocationId\":\"1\",\"result\":{\"title\":\"n\",\"stars\":3}}" + RS + "{\"type\":2,\"invocationId\":\"2\",\"item\":7}" + RS,
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void A_type_in_no_resolver_is_not_serialized()
    {
        // What SRL0020 warns about: under AOT a payload type missing from every resolver cannot be written.
        var protocol = CreateProtocol(builtIns: false);
        Assert.Throws<NotSupportedException>(() => protocol.WriteMessage(new StreamItemMessage("2", Guid.Empty), new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void The_default_resolver_is_reflection_when_reflection_is_enabled()
    {
        // This test process runs with the JIT and reflection on: behaviour is as before the AOT work.
        Assert.True(System.Text.Json.JsonSerializer.IsReflectionEnabledByDefault);
        Assert.IsType<DefaultJsonTypeInfoResolver>(new JsonHubProtocolOptions().PayloadSerializerOptions.TypeInfoResolver);
    }
}
