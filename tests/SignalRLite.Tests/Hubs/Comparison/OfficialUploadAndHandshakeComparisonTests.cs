using static SignalRLite.Tests.Hubs.Comparison.OfficialHubComparisonTests;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>Differential tests (see <see cref="OfficialHubComparisonTests"/>): upload streams and the handshake version.</summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialUploadAndHandshakeComparisonTests
{
    private const string Marker = "{\"type\":3,\"invocationId\":\"9\",\"result\":42}";

    // ---- 4. Upload streams: items that fail to bind, duplicate stream ids ----

    [Theory]
    [InlineData(false, "SumOrError", "{\"type\":3,\"invocationId\":\"1\",\"result\":\"after 1: HubException: Failed to bind Stream message.\"}")]
    [InlineData(false, "CountOrError", "{\"type\":3,\"invocationId\":\"1\",\"result\":\"after 1: HubException: Failed to bind Stream message.\"}")]
    [InlineData(true, "SumOrError", "{\"type\":3,\"invocationId\":\"1\",\"result\":\"after 1: HubException: Failed to bind Stream message. JsonException: The JSON value could not be converted to System.Int32. Path: $ | LineNumber: 0 | BytePositionInLine: 5.\"}")]
    [InlineData(false, "Sum", "{\"type\":3,\"invocationId\":\"1\",\"error\":\"An unexpected error occurred invoking 'Sum' on the server. HubException: Failed to bind Stream message.\"}")]
    [InlineData(true, "Sum", "{\"type\":3,\"invocationId\":\"1\",\"error\":\"An unexpected error occurred invoking 'Sum' on the server. HubException: Failed to bind Stream message. JsonException: The JSON value could not be converted to System.Int32. Path: $ | LineNumber: 0 | BytePositionInLine: 5.\"}")]
    public Task AnUploadItemThatFailsToBindEndsTheStreamWithAHubException_Json(bool detailed, string method, string completion) => AssertSameAsync(
        "{} | " + completion + " | " + Marker,
        async server =>
        {
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.SendAsync(Invocation("1", method, "[]", "s") + Item("s", "1") + Item("s", "\"abc\"") + Item("s", "5") + Complete("s"));
            await probe.ReadUntilAsync(completion);
            // Later items and the Completion of the failed stream were ignored; the connection goes on.
            await probe.SendAsync(Item("s", "6") + Complete("s") + Invocation("9", "Value"));
            return await probe.ReadUntilAsync(Marker);
        },
        new ComparisonOptions(EnableDetailedErrors: detailed));

    [Theory]
    // Completion [3, {}, "1", 3, "after 1: HubException: Failed to bind Stream message."], then the marker [3, {}, "9", 3, 42].
    [InlineData(false, "3D950380A13103D935616674657220313A20487562457863657074696F6E3A204661696C656420746F2062696E642053747265616D206D6573736167652E")]
    // "... message. InvalidDataException: Deserializing object of the `Int32` type for 'item' failed." with detailed errors.
    [InlineData(true, "8F01950380A13103D987616674657220313A20487562457863657074696F6E3A204661696C656420746F2062696E642053747265616D206D6573736167652E20496E76616C696444617461457863657074696F6E3A20446573657269616C697A696E67206F626A656374206F66207468652060496E74333260207479706520666F7220276974656D27206661696C65642E")]
    public Task AnUploadItemThatFailsToBindEndsTheStreamWithAHubException_MessagePack(bool detailed, string completion)
    {
        return AssertSameAsync(
            "{} | " + completion + " | 07950380A139032A",
            async server =>
            {
                await using var probe = await server.ConnectAsync(MessagePackHandshake, binary: true);
                await probe.SendAsync([
                    .. MessagePackInvocation("1", "SumOrError", "s"), .. MessagePackItem("s", 0x01), .. MessagePackItem("s", 0xA3, (byte)'a', (byte)'b', (byte)'c'),
                    .. MessagePackItem("s", 0x05), .. MessagePackComplete("s")]);
                await probe.ReadUntilAsync(completion);
                await probe.SendAsync(MessagePackInvocation("9", "Value"));
                return await probe.ReadUntilAsync("07950380A139032A");
            },
            new ComparisonOptions(EnableDetailedErrors: detailed));
    }

    [Fact]
    public Task ADuplicateStreamIdOfAnotherInvocationTakesTheIdOver() => AssertSameAsync(
        // The first Sum keeps waiting for a stream nobody can reach any more; the connection stays open.
        "{} | {\"type\":3,\"invocationId\":\"2\",\"result\":5} | " + Marker,
        async server =>
        {
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.SendAsync(Invocation("1", "Sum", "[]", "s") + Invocation("2", "Sum", "[]", "s") + Item("s", "5") + Complete("s"));
            await probe.ReadUntilAsync("{\"type\":3,\"invocationId\":\"2\",\"result\":5}");
            await probe.SendAsync(Invocation("9", "Value"));
            return await probe.ReadUntilAsync(Marker);
        });

    [Fact]
    public Task ADuplicateStreamIdWithinOneInvocationIsNotAProtocolError() => AssertSameAsync(
        // Two(first, second) waits for its first stream, which the id no longer reaches: no Completion, no close.
        "{} | " + Marker,
        async server =>
        {
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.SendAsync(Invocation("1", "Two", "[]", "s", "s") + Item("s", "5") + Complete("s") + Invocation("9", "Value"));
            return await probe.ReadUntilAsync(Marker);
        });

    // ---- 5. Handshake versions ----

    [Theory]
    [InlineData("json", -1)]
    [InlineData("json", 0)]
    [InlineData("json", 1)]
    [InlineData("json", 2)]
    [InlineData("json", 3)]
    [InlineData("messagepack", -1)]
    [InlineData("messagepack", 0)]
    [InlineData("messagepack", 1)]
    [InlineData("messagepack", 2)]
    [InlineData("messagepack", 3)]
    public Task HandshakeVersionsUpToTwoAreAccepted(string protocol, int version) => AssertSameAsync(
        version <= 2
            ? "{} | " + (protocol == "json" ? Marker : "07950380A139032A")
            : $"{{\"error\":\"The server does not support version {version} of the '{protocol}' protocol.\"}} [close NormalClosure]",
        async server =>
        {
            var binary = protocol == "messagepack";
            await using var probe = await server.ConnectAsync($"{{\"protocol\":\"{protocol}\",\"version\":{version}}}\u001e", binary);
            await probe.ReadUntilAsync(version <= 2 ? "{}" : $"{{\"error\":\"The server does not support version {version} of the '{protocol}' protocol.\"}}");
            if (version > 2)
            {
                return await probe.ReadToEndAsync();
            }

            if (binary)
            {
                await probe.SendAsync(MessagePackInvocation("9", "Value"));
                return await probe.ReadUntilAsync("07950380A139032A");
            }

            await probe.SendAsync(Invocation("9", "Value"));
            return await probe.ReadUntilAsync(Marker);
        });
}
