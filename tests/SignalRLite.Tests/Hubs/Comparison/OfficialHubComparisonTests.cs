using System.Text;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>
/// Differential tests of the hub layer: the same raw frames go to the official server of the shared framework (black
/// box) and to SignalRLite, and what comes back (every message, byte for byte, and the WebSocket close) must be equal.
/// Each test also pins the official transcript, so a change of the oracle shows up as such.
/// </summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialHubComparisonTests
{
    internal const string JsonHandshake = "{\"protocol\":\"json\",\"version\":1}\u001e";
    internal const string MessagePackHandshake = "{\"protocol\":\"messagepack\",\"version\":1}\u001e";
    private const string Closed = " [close NormalClosure]";

    /// <summary>Runs <paramref name="scenario"/> on both servers; asserts the official transcript and that ours is the same.</summary>
    internal static async Task AssertSameAsync(string expected, Func<ComparisonServer, Task<string>> scenario, ComparisonOptions? options = null)
    {
        var transcripts = new Dictionary<string, string>();
        foreach (var which in new[] { "official", "ours" })
        {
            await using var server = await ComparisonServer.StartAsync(which, options);
            transcripts[which] = await scenario(server);
        }

        // Both transcripts in full in the failure message: the assertion's own diff cuts long ones.
        var both = $"\nofficial: {transcripts["official"]}\nours:     {transcripts["ours"]}";
        Assert.True(expected == transcripts["official"], "The official server's transcript is not the expected one:" + both);
        Assert.True(transcripts["official"] == transcripts["ours"], "The transcripts differ:" + both);
    }

    internal static string Invocation(string? id, string target, string arguments = "[]", params string[] streamIds) =>
        "{\"type\":1," + (id is null ? "" : $"\"invocationId\":\"{id}\",") + $"\"target\":\"{target}\",\"arguments\":{arguments}"
        + (streamIds.Length == 0 ? "" : ",\"streamIds\":[" + string.Join(",", streamIds.Select(s => $"\"{s}\"")) + "]") + "}\u001e";

    internal static string Item(string id, string item) => $"{{\"type\":2,\"invocationId\":\"{id}\",\"item\":{item}}}\u001e";

    internal static string Complete(string id) => $"{{\"type\":3,\"invocationId\":\"{id}\"}}\u001e";

    /// <summary>A framed MessagePack Invocation <c>[1, {}, id, target, [], [streamIds]]</c>.</summary>
    internal static byte[] MessagePackInvocation(string? id, string target, params string[] streamIds)
    {
        var body = new List<byte> { 0x96, 0x01, 0x80 };
        if (id is null)
        {
            body.Add(0xC0);
        }
        else
        {
            AddString(body, id);
        }

        AddString(body, target);
        body.Add(0x90);
        body.Add((byte)(0x90 | streamIds.Length));
        foreach (var streamId in streamIds)
        {
            AddString(body, streamId);
        }

        return [(byte)body.Count, .. body];
    }

    /// <summary>A framed MessagePack StreamItem <c>[2, {}, id, item]</c> with the item's MessagePack bytes.</summary>
    internal static byte[] MessagePackItem(string id, params byte[] item)
    {
        var body = new List<byte> { 0x94, 0x02, 0x80 };
        AddString(body, id);
        body.AddRange(item);
        return [(byte)body.Count, .. body];
    }

    /// <summary>A framed MessagePack Completion without result <c>[3, {}, id, 2]</c>.</summary>
    internal static byte[] MessagePackComplete(string id)
    {
        var body = new List<byte> { 0x94, 0x03, 0x80 };
        AddString(body, id);
        body.Add(0x02);
        return [(byte)body.Count, .. body];
    }

    private static void AddString(List<byte> body, string value)
    {
        body.Add((byte)(0xA0 | value.Length));
        body.AddRange(Encoding.UTF8.GetBytes(value));
    }

    // ---- 1. Completions of methods without a value ----

    [Fact]
    public Task VoidTaskAndValueTaskMethodsCompleteWithANullResult_Json() => AssertSameAsync(
        "{} | {\"type\":3,\"invocationId\":\"1\",\"result\":null} | {\"type\":3,\"invocationId\":\"2\",\"result\":null}"
        + " | {\"type\":3,\"invocationId\":\"3\",\"result\":null} | {\"type\":3,\"invocationId\":\"4\",\"result\":null}",
        async server =>
        {
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.SendAsync(Invocation("1", "SyncVoid") + Invocation("2", "TaskVoid") + Invocation("3", "ValueTaskVoid") + Invocation("4", "AsyncVoid"));
            return await probe.ReadUntilAsync("{\"type\":3,\"invocationId\":\"4\",\"result\":null}");
        });

    [Fact]
    public Task VoidTaskAndValueTaskMethodsCompleteWithResultKind3AndNil_MessagePack() => AssertSameAsync(
        // [3, {}, "n", 3, nil]
        "{} | 07950380A13103C0 | 07950380A13203C0 | 07950380A13303C0 | 07950380A13403C0",
        async server =>
        {
            await using var probe = await server.ConnectAsync(MessagePackHandshake, binary: true);
            await probe.SendAsync([.. MessagePackInvocation("1", "SyncVoid"), .. MessagePackInvocation("2", "TaskVoid"), .. MessagePackInvocation("3", "ValueTaskVoid"), .. MessagePackInvocation("4", "AsyncVoid")]);
            return await probe.ReadUntilAsync("07950380A13403C0");
        });

    // ---- 2. Protocol errors and oversize messages ----

    public static TheoryData<string, bool, string> ProtocolErrors => new()
    {
        { "{\"type\":1,\u001e", false, "Connection closed with an error." },
        { "{\"type\":1,\u001e", true, "Connection closed with an error. InvalidDataException: Error reading JSON." },
        { "{\"invocationId\":\"1\"}\u001e", true, "Connection closed with an error. InvalidDataException: Missing required property 'type'." },
        { "{\"type\":4,\"target\":\"Value\",\"arguments\":[]}\u001e", true, "Connection closed with an error. InvalidDataException: Missing required property 'invocationId'." },
        { Invocation("1", "Value", "[\"" + new string('x', 200) + "\"]"), false, "Connection closed with an error." },
        { Invocation("1", "Value", "[\"" + new string('x', 200) + "\"]"), true, "Connection closed with an error. InvalidDataException: The maximum message size of 100B was exceeded. The message size can be configured in AddHubOptions." },
        { "{\"type\":1,\"invocationId\":\"1\",\"target\":\"Value\",\"arguments\":[\"" + new string('x', 200), false, "Connection closed with an error." },
        { "{\"type\":1,\"invocationId\":\"1\",\"target\":\"Value\",\"arguments\":[\"" + new string('x', 200), true, "Connection closed with an error. InvalidDataException: The maximum message size of 100B was exceeded. The message size can be configured in AddHubOptions." },
    };

    [Theory]
    [MemberData(nameof(ProtocolErrors))]
    public Task ProtocolErrorsAndOversizeMessagesCloseWithAllowReconnect_Json(string input, bool detailed, string error) => AssertSameAsync(
        "{} | {\"type\":7,\"error\":\"" + error + "\",\"allowReconnect\":true}" + Closed,
        async server =>
        {
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.ReadUntilAsync("{}");
            await probe.SendAsync(input);
            return await probe.ReadToEndAsync();
        },
        new ComparisonOptions(EnableDetailedErrors: detailed, MaximumReceiveMessageSize: 100));

    [Theory]
    [InlineData("0291C0", false, "259307D920436F6E6E656374696F6E20636C6F736564207769746820616E206572726F722EC3")]
    [InlineData("C801", false, "259307D920436F6E6E656374696F6E20636C6F736564207769746820616E206572726F722EC3")]
    // "Connection closed with an error. InvalidDataException: The maximum message size of 100B was exceeded. ..."
    [InlineData("C801", true, "9F019307D99A436F6E6E656374696F6E20636C6F736564207769746820616E206572726F722E20496E76616C696444617461457863657074696F6E3A20546865206D6178696D756D206D6573736167652073697A65206F662031303042207761732065786365656465642E20546865206D6573736167652073697A652063616E20626520636F6E6669677572656420696E204164644875624F7074696F6E732EC3")]
    public Task ProtocolErrorsAndOversizeMessagesCloseWithAllowReconnect_MessagePack(string inputHex, bool detailed, string close) => AssertSameAsync(
        "{} | " + close + Closed,
        async server =>
        {
            await using var probe = await server.ConnectAsync(MessagePackHandshake, binary: true);
            await probe.ReadUntilAsync("{}");
            // An oversize frame: the prefix announces 200 bytes, and they follow.
            var input = Convert.FromHexString(inputHex);
            await probe.SendAsync(inputHex == "C801" ? [.. input, .. new byte[200]] : input);
            return await probe.ReadToEndAsync();
        },
        new ComparisonOptions(EnableDetailedErrors: detailed, MaximumReceiveMessageSize: 100));

    [Theory]
    [InlineData(false, "Connection closed with an error.")]
    [InlineData(true, "Connection closed with an error. InvalidOperationException: no entry")]
    public Task AFailingOnConnectedAsyncClosesWithAnError(bool detailed, string error) => AssertSameAsync(
        "{} | {\"type\":7,\"error\":\"" + error + "\"}" + Closed,
        async server =>
        {
            await using var probe = await server.ConnectAsync(JsonHandshake, path: ComparisonServer.FailingConnectPath);
            return await probe.ReadToEndAsync();
        },
        new ComparisonOptions(EnableDetailedErrors: detailed));

    // ---- 3. Context.Abort() ----

    [Theory]
    [InlineData("1", "AbortSync")]
    [InlineData("1", "AbortThenSend")]
    [InlineData("1", "AbortThenThrow")]
    [InlineData(null, "AbortSync")]
    public Task AbortSendsABareCloseAndNothingElse_Json(string? id, string method) => AssertSameAsync(
        "{} | {\"type\":7}" + Closed,
        async server =>
        {
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.SendAsync(Invocation(id, method));
            return await probe.ReadToEndAsync();
        },
        new ComparisonOptions(EnableDetailedErrors: true));

    [Fact]
    public Task AbortSendsABareCloseWithThreeElements_MessagePack() => AssertSameAsync(
        // [7, nil, false]
        "{} | 049307C0C2" + Closed,
        async server =>
        {
            await using var probe = await server.ConnectAsync(MessagePackHandshake, binary: true);
            await probe.SendAsync(MessagePackInvocation("1", "AbortSync"));
            return await probe.ReadToEndAsync();
        });
}
