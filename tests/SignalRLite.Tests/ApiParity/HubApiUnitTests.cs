using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using SignalRLite.Internal.Hubs;
using SignalRLite.Protocol;
using Official = Microsoft.AspNetCore.SignalR.Protocol;

namespace SignalRLite.Tests.ApiParity;

/// <summary>Members of the official surface that are plain functions: compared with the official ones where they write bytes.</summary>
public class HubApiUnitTests
{
    [Fact]
    public void GetMessageBytesWritesTheSameBytesAsTheOfficialExtension()
    {
        var ours = HubProtocolExtensions.GetMessageBytes(new JsonHubProtocol(), new InvocationMessage("1", "Send", ["a", 2]));
        var theirs = Official.HubProtocolExtensions.GetMessageBytes(new Official.JsonHubProtocol(), new Official.InvocationMessage("1", "Send", ["a", 2]));
        Assert.Equal(theirs, ours);
    }

    [Fact]
    public void GetSuccessfulHandshakeIsTheOfficialBytesForEveryProtocol()
    {
        var theirs = Official.HandshakeProtocol.GetSuccessfulHandshake(new Official.JsonHubProtocol()).ToArray();
        Assert.Equal(theirs, HandshakeProtocol.GetSuccessfulHandshake(new JsonHubProtocol()).ToArray());
        Assert.Equal(theirs, HandshakeProtocol.GetSuccessfulHandshake(new MessagePackHubProtocol()).ToArray());
    }

    [Fact]
    public void RawResultIsWrittenUnchangedByBothProtocols()
    {
        var json = new JsonHubProtocol().GetMessageBytes(CompletionMessage.WithResult("7", new RawResult(new ReadOnlySequence<byte>("[1,{\"a\":2}]"u8.ToArray()))));
        Assert.Equal("{\"type\":3,\"invocationId\":\"7\",\"result\":[1,{\"a\":2}]}\u001e", System.Text.Encoding.UTF8.GetString(json.Span));

        // MessagePack: the raw bytes (here fixarray [1, 2]) take the place of the value.
        var binary = new MessagePackHubProtocol().GetMessageBytes(CompletionMessage.WithResult("7", new RawResult(new ReadOnlySequence<byte>([0x92, 0x01, 0x02]))));
        var theirs = new Official.MessagePackHubProtocol().GetMessageBytes(Official.CompletionMessage.WithResult("7", new[] { 1, 2 }));
        Assert.Equal(theirs.ToArray(), binary.ToArray());
    }

    [Fact]
    public void ConnectionStoreAddsFindsEnumeratesAndRemoves()
    {
        var store = new HubConnectionStore();
        var a = NewConnection("a");
        var b = NewConnection("b");
        store.Add(a);
        store.Add(b);
        Assert.Equal(2, store.Count);
        Assert.Same(a, store["a"]);
        Assert.Null(store["zz"]);
        var seen = new List<string>();
        foreach (var connection in store)
        {
            seen.Add(connection.ConnectionId);
        }

        Assert.Equal(["a", "b"], seen.Order());
        store.Remove(a);
        Assert.Equal(1, store.Count);
        Assert.Null(store["a"]);
    }

    [Fact]
    public void DefaultProtocolResolverHonoursSupportedProtocols()
    {
        IHubProtocol json = new JsonHubProtocol();
        IHubProtocol messagePack = new MessagePackHubProtocol();
        var resolver = new DefaultHubProtocolResolver([json, messagePack]);

        Assert.Equal([json, messagePack], resolver.AllProtocols);
        Assert.Same(messagePack, resolver.GetProtocol("MessagePack", null));
        Assert.Same(json, resolver.GetProtocol("json", ["json"]));
        Assert.Null(resolver.GetProtocol("messagepack", ["json"]));
        Assert.Null(resolver.GetProtocol("xml", null));
    }

    private static HubConnectionContext NewConnection(string id) =>
        new(new DefaultConnectionContext(id), new HubConnectionContextOptions(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
}
