using static SignalRLite.Tests.Hubs.Comparison.OfficialHubComparisonTests;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>
/// Differential tests (see <see cref="OfficialHubComparisonTests"/>): CancelInvocation on each kind of streaming
/// method, with and without an upload, and the connection going on afterwards.
/// </summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialCancellationComparisonTests
{
    private const string Marker = "{\"type\":3,\"invocationId\":\"9\",\"result\":42}";
    private const string Item1 = "{\"type\":2,\"invocationId\":\"1\",\"item\":1}";
    private const string Completion1 = "{\"type\":3,\"invocationId\":\"1\"}";

    /// <summary>
    /// The messages after the first item, in a fixed order: the cancelled stream's Completion and the next invocation's
    /// result race each other on both servers (the cancellation reaches the method on another thread).
    /// </summary>
    private static string Normalise(string transcript)
    {
        var messages = transcript.Split(" | ");
        var head = Array.IndexOf(messages, Item1) + 1;
        return string.Join(" | ", messages[..head].Concat(messages[head..].Order(StringComparer.Ordinal)));
    }

    public static TheoryData<string> Streams => ["OneThenWait", "OneThenWaitChannel"];

    /// <summary>A stream cancelled by the client after its first item: what the client gets after the CancelInvocation.</summary>
    [Theory]
    [MemberData(nameof(Streams))]
    public async Task ACancelledStreamEndsAsOnTheOfficialServer(string method)
    {
        var transcripts = new Dictionary<string, string>();
        foreach (var which in new[] { "official", "ours" })
        {
            await using var server = await ComparisonServer.StartAsync(which);
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.ReadUntilAsync("{}");
            await probe.SendAsync($"{{\"type\":4,\"invocationId\":\"1\",\"target\":\"{method}\",\"arguments\":[]}}\u001e");
            await probe.ReadUntilAsync(Item1);
            await probe.SendAsync("{\"type\":5,\"invocationId\":\"1\"}\u001e");
            await probe.SendAsync(Invocation("9", "Value"));
            await probe.ReadUntilAsync(Marker);
            transcripts[which] = Normalise(await probe.ReadUntilAsync(Completion1));
        }

        Assert.Equal("{} | " + Item1 + " | " + Completion1 + " | " + Marker, transcripts["official"]);

        Assert.True(transcripts["official"] == transcripts["ours"], $"\nofficial: {transcripts["official"]}\nours:     {transcripts["ours"]}");
    }

    /// <summary>
    /// A stream that echoes an upload, cancelled by the client: it sends no further item, ends with its Completion, and
    /// the connection goes on. (Upload items sent after the CancelInvocation are left out: the official server then
    /// sometimes closes the connection with an error and sometimes ignores them, observed; SignalRLite ignores them.)
    /// </summary>
    [Fact]
    public Task ACancelledStreamEndsItsUpload() => AssertSameAsync(
        "{} | " + Item1 + " | " + Completion1 + " | " + Marker,
        async server =>
        {
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.ReadUntilAsync("{}");
            await probe.SendAsync("{\"type\":4,\"invocationId\":\"1\",\"target\":\"EchoUpload\",\"arguments\":[],\"streamIds\":[\"s\"]}\u001e");
            await probe.SendAsync(Item("s", "1"));
            await probe.ReadUntilAsync(Item1);
            await probe.SendAsync("{\"type\":5,\"invocationId\":\"1\"}\u001e");
            await probe.SendAsync(Invocation("9", "Value"));
            await probe.ReadUntilAsync(Marker);
            return Normalise(await probe.ReadUntilAsync(Completion1));
        });
}
