using MessagePack;
using Microsoft.Extensions.Options;
using Lite = SignalRLite.Protocol;
using Ms = Microsoft.AspNetCore.SignalR.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

/// <summary>
/// The serializer options an app sets on <c>MessagePackHubProtocolOptions</c> (compression, resolvers) change the
/// bytes as they change them on the official protocol: the same options on both, the same bytes.
/// </summary>
public class MessagePackOptionsCrossCheckTests
{
    public static TheoryData<string> Options => ["lz4block", "lz4blockarray", "contractless"];

    [Theory]
    [MemberData(nameof(Options))]
    public void SerializerOptionsShapeTheBytesAsOnTheOfficialProtocol(string name)
    {
        var serializerOptions = name switch
        {
            "lz4block" => MessagePackSerializerOptions.Standard.WithCompression(MessagePackCompression.Lz4Block),
            "lz4blockarray" => MessagePackSerializerOptions.Standard.WithCompression(MessagePackCompression.Lz4BlockArray),
            _ => MessagePackSerializerOptions.Standard.WithResolver(MessagePack.Resolvers.ContractlessStandardResolver.Instance),
        };
        var ours = new Lite.MessagePackHubProtocol(Microsoft.Extensions.Options.Options.Create(new MessagePackHubProtocolOptions { SerializerOptions = serializerOptions }));
        var official = new Ms.MessagePackHubProtocol(Microsoft.Extensions.Options.Options.Create(new Microsoft.AspNetCore.SignalR.MessagePackHubProtocolOptions { SerializerOptions = serializerOptions }));
        var text = new string('x', 2_000);
        var payload = new Dictionary<string, object> { ["text"] = text, ["n"] = 7 };

        var mine = ours.GetMessageBytes(new Lite.InvocationMessage("1", "Send", [text, payload])).ToArray();
        var theirs = official.GetMessageBytes(new Ms.InvocationMessage("1", "Send", [text, payload])).ToArray();

        Assert.Equal(Convert.ToHexString(theirs), Convert.ToHexString(mine));
    }
}
