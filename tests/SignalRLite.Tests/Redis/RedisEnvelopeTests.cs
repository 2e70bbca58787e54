using SignalRLite.Protocol;
using SignalRLite.StackExchangeRedis.Internal;

namespace SignalRLite.Tests.Redis;

public sealed class RedisEnvelopeTests
{
    private static readonly IHubProtocol[] Protocols = [new JsonHubProtocol(), new MessagePackHubProtocol()];

    [Fact]
    public void InvocationCarriesExclusionsAndOneFramePerProtocol()
    {
        var message = new InvocationMessage("Receive", ["kind", "é message"]);
        var payload = RedisEnvelope.WriteInvocation(Protocols, message, ["c1", "c2"]);

        var reader = new RedisEnvelope.Reader(payload);
        Assert.Equal(RedisEnvelopeKind.Invocation, RedisEnvelope.ReadKind(ref reader));
        Assert.Equal(2, reader.VarInt());
        Assert.Equal("c1", reader.String());
        Assert.Equal("c2", reader.String());
        var frames = RedisEnvelope.ReadFrames(ref reader);
        foreach (var protocol in Protocols)
        {
            Assert.Equal(protocol.GetMessageBytes(message).ToArray(), frames.GetSerializedMessage(protocol).ToArray());
        }
    }

    [Fact]
    public void ControlEnvelopesRoundTrip()
    {
        var reader = new RedisEnvelope.Reader(RedisEnvelope.WriteGroupCommand(300, "server-1", add: true, "group", "conn"));
        Assert.Equal(RedisEnvelopeKind.GroupCommand, RedisEnvelope.ReadKind(ref reader));
        Assert.Equal(300, reader.VarInt());
        Assert.Equal("server-1", reader.String());
        Assert.Equal(1, reader.Byte());
        Assert.Equal("group", reader.String());
        Assert.Equal("conn", reader.String());

        reader = new RedisEnvelope.Reader(RedisEnvelope.WriteClientResult("id", "json", [1, 2, 3]));
        Assert.Equal(RedisEnvelopeKind.ClientResult, RedisEnvelope.ReadKind(ref reader));
        Assert.Equal("id", reader.String());
        Assert.Equal("json", reader.String());
        Assert.Equal(new byte[] { 1, 2, 3 }, reader.Bytes().ToArray());
    }

    [Fact]
    public void TruncatedOrForeignPayloadsAreRejected()
    {
        var payload = RedisEnvelope.WriteInvocation(Protocols, new InvocationMessage("M", []), null);
        for (var length = 0; length < payload.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() =>
            {
                var reader = new RedisEnvelope.Reader(payload.AsMemory(0, length));
                RedisEnvelope.ReadKind(ref reader);
                reader.VarInt();
                RedisEnvelope.ReadFrames(ref reader);
            });
        }

        Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new RedisEnvelope.Reader(new byte[] { 9, 1 });
            RedisEnvelope.ReadKind(ref reader);
        });
    }
}
