using static SignalRLite.Tests.Hubs.Comparison.OfficialHubComparisonTests;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>
/// Differential test (see <see cref="OfficialHubComparisonTests"/>): what a malformed or refused handshake gets back,
/// with detailed errors off and on.
/// </summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialHandshakeErrorComparisonTests
{
    private const string Marker = "{\"type\":3,\"invocationId\":\"9\",\"result\":42}";

    public static TheoryData<string, bool> Handshakes()
    {
        var data = new TheoryData<string, bool>();
        foreach (var detailed in new[] { false, true })
        {
            foreach (var handshake in new[]
                     {
                         "{\"protocol\":\"json\",\"version\":\"1\"}",
                         "{\"protocol\":1,\"version\":1}",
                         "{\"version\":1}",
                         "{\"protocol\":\"json\"}",
                         "{\"protocol\":\"json\",\"version\":1.5}",
                         "[1]",
                         "{\"protocol\":\"json\",",
                         "not json",
                         "{\"protocol\":\"xml\",\"version\":1}",
                         "{\"protocol\":\"json\",\"version\":1,\"extra\":{\"a\":[1,2]}}",
                         "\"json\"",
                         "1",
                         "true",
                         "null",
                         "{\"protocol\":null,\"version\":1}",
                         "{\"protocol\":\"json\",\"version\":null}",
                         "{\"protocol\":\"json\",\"version\":99999999999}",
                         "{\"protocol\":\"json\",\"version\":1} {}",
                     })
            {
                data.Add(handshake, detailed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Handshakes))]
    public async Task AMalformedHandshakeGetsTheSameAnswer(string handshake, bool detailed)
    {
        var transcripts = new Dictionary<string, string>();
        foreach (var which in new[] { "official", "ours" })
        {
            await using var server = await ComparisonServer.StartAsync(which, new ComparisonOptions(EnableDetailedErrors: detailed));
            await using var probe = await server.ConnectAsync(handshake + "\u001e");
            var transcript = await probe.ReadUntilAsync("{}");
            if (transcript == "{}")
            {
                // Accepted: prove the connection works.
                await probe.SendAsync(Invocation("9", "Value"));
                transcript = await probe.ReadUntilAsync(Marker);
            }

            transcripts[which] = transcript;
        }

        Assert.True(transcripts["official"] == transcripts["ours"], $"\nofficial: {transcripts["official"]}\nours:     {transcripts["ours"]}");
    }
}
