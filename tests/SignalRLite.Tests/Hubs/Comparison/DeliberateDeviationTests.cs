using static SignalRLite.Tests.Hubs.Comparison.OfficialHubComparisonTests;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>
/// The deviations docs/migration.md keeps, pinned on both servers: the official transcript is asserted as observed,
/// and ours as the deviation says. If the official server changes, or ours drifts, the test fails.
/// </summary>
[Trait("Category", "OfficialComparison")]
public class DeliberateDeviationTests
{
    private const string Completion = "{\"type\":3,\"invocationId\":\"1\",\"result\":42}";

    /// <summary>A connection in both groups of <c>Clients.Groups(a, b)</c>: the official server sends it the message twice, SignalRLite once.</summary>
    [Fact]
    public async Task GroupsSendsOncePerConnection()
    {
        var transcripts = new Dictionary<string, string>();
        foreach (var which in new[] { "official", "ours" })
        {
            await using var server = await ComparisonServer.StartAsync(which);
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.ReadUntilAsync("{}");
            await probe.SendAsync(Invocation("1", "JoinBothAndSendToBoth"));
            transcripts[which] = await probe.ReadUntilAsync(Completion);
        }

        const string Got = "{\"type\":1,\"target\":\"Got\",\"arguments\":[\"both\"]}";
        Assert.Equal($"{{}} | {Got} | {Got} | {Completion}", transcripts["official"]);
        Assert.Equal($"{{}} | {Got} | {Completion}", transcripts["ours"]);
    }
}
