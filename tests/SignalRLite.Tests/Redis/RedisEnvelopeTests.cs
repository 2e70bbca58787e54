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

    [Fact]
    public void EnvelopeOfAnOlderServerWithoutTraceContextStillParses()
    {
        // Written byte by byte as envelope version 1 had it before the trailer existed: version, kind Invocation, one
        // exclusion "c1", one protocol "json" with its frame, and nothing after.
        byte[] frame = [.. "{\"type\":1,\"target\":\"M\",\"arguments\":[]}\u001e"u8];
        byte[] payload = [1, 1, 1, 2, (byte)'c', (byte)'1', 1, 4, (byte)'j', (byte)'s', (byte)'o', (byte)'n', (byte)frame.Length, .. frame];

        var reader = new RedisEnvelope.Reader(payload);
        Assert.Equal(RedisEnvelopeKind.Invocation, RedisEnvelope.ReadKind(ref reader));
        Assert.Equal(1, reader.VarInt());
        Assert.Equal("c1", reader.String());
        Assert.Equal(frame, RedisEnvelope.ReadFrames(ref reader).GetSerializedMessage(new JsonHubProtocol()).ToArray());
        Assert.True(reader.End);
        Assert.Equal(default, RedisEnvelope.ReadTraceContext(ref reader));
    }

    [Fact]
    public void TraceContextTravelsInATrailerThatOlderReadersNeverReach()
    {
        var message = new InvocationMessage("Receive", ["x"]);
        var trace = new RedisTraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=value");
        var plain = RedisEnvelope.WriteInvocation(Protocols, message, ["c1"]);
        var traced = RedisEnvelope.WriteInvocation(Protocols, message, ["c1"], trace: trace);

        // Everything an older reader reads (up to the end of the frames) is byte for byte the envelope without trace.
        Assert.Equal(plain, traced[..plain.Length]);
        Assert.True(traced.Length > plain.Length);

        var reader = new RedisEnvelope.Reader(traced);
        Assert.Equal(RedisEnvelopeKind.Invocation, RedisEnvelope.ReadKind(ref reader));
        Assert.Equal(1, reader.VarInt());
        Assert.Equal("c1", reader.String());
        var frames = RedisEnvelope.ReadFrames(ref reader);
        Assert.Equal(Protocols[1].GetMessageBytes(message).ToArray(), frames.GetSerializedMessage(Protocols[1]).ToArray());
        Assert.Equal(trace, RedisEnvelope.ReadTraceContext(ref reader));
        Assert.True(reader.End);
    }

    [Fact]
    public void ClientInvocationCarriesTraceContextWithoutTraceState()
    {
        var trace = new RedisTraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);
        var payload = RedisEnvelope.WriteInvocation(Protocols, new InvocationMessage("id1", "Compute", [1]), null, "id1", "server-1", trace);

        var reader = new RedisEnvelope.Reader(payload);
        Assert.Equal(RedisEnvelopeKind.ClientInvocation, RedisEnvelope.ReadKind(ref reader));
        Assert.Equal("id1", reader.String());
        Assert.Equal("server-1", reader.String());
        RedisEnvelope.ReadFrames(ref reader);
        Assert.Equal(trace, RedisEnvelope.ReadTraceContext(ref reader));
    }

    [Fact]
    public void UnknownTrailerFieldsAreSkippedAndATruncatedTrailerKeepsWhatWasComplete()
    {
        var plain = RedisEnvelope.WriteInvocation(Protocols, new InvocationMessage("M", []), null);
        const string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        byte[] parentField = [RedisEnvelope.TraceParentTag, (byte)parent.Length, .. System.Text.Encoding.ASCII.GetBytes(parent)];
        byte[] future = [99, 3, 7, 7, 7];

        Assert.Equal(new RedisTraceContext(parent, null), TrailerOf([.. plain, .. future, .. parentField]));
        Assert.Equal(new RedisTraceContext(parent, null), TrailerOf([.. plain, .. parentField, RedisEnvelope.TraceStateTag, 40, 1]));

        static RedisTraceContext TrailerOf(byte[] payload)
        {
            var reader = new RedisEnvelope.Reader(payload);
            RedisEnvelope.ReadKind(ref reader);
            reader.VarInt();
            RedisEnvelope.ReadFrames(ref reader);
            return RedisEnvelope.ReadTraceContext(ref reader);
        }
    }

    [Fact]
    public void ActivityWithoutW3CIdCarriesNoTraceContext()
    {
        using var hierarchical = new System.Diagnostics.Activity("h").SetIdFormat(System.Diagnostics.ActivityIdFormat.Hierarchical).Start();
        Assert.Equal(default, RedisTraceContext.From(hierarchical));
        Assert.Equal(default, RedisTraceContext.From(null));
    }
}
