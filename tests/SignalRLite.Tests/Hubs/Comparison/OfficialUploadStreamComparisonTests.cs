using static SignalRLite.Tests.Hubs.Comparison.OfficialHubComparisonTests;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>Differential test (see <see cref="OfficialHubComparisonTests"/>): a method that takes an upload and returns a stream.</summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialUploadStreamComparisonTests
{
    private const string Marker = "{\"type\":3,\"invocationId\":\"9\",\"result\":42}";

    /// <summary>
    /// The method's own stream ends after two items while the client keeps uploading: the upload ends with it, its
    /// further items are dropped (far more than the stream buffer holds), and the connection goes on.
    /// </summary>
    [Fact]
    public Task AnUploadEndsWithTheStreamOfItsMethod() => AssertSameAsync(
        "{} | {\"type\":2,\"invocationId\":\"1\",\"item\":1} | {\"type\":2,\"invocationId\":\"1\",\"item\":2} | {\"type\":3,\"invocationId\":\"1\"} | " + Marker,
        async server =>
        {
            await using var probe = await server.ConnectAsync(JsonHandshake);
            await probe.ReadUntilAsync("{}");
            await probe.SendAsync("{\"type\":4,\"invocationId\":\"1\",\"target\":\"FirstTwo\",\"arguments\":[],\"streamIds\":[\"s\"]}\u001e");
            await probe.SendAsync(Item("s", "1") + Item("s", "2"));
            await probe.ReadUntilAsync("{\"type\":3,\"invocationId\":\"1\"}");

            // The stream has ended; its upload must not take more (StreamBufferCapacity is 10).
            for (var i = 3; i <= 100; i++)
            {
                await probe.SendAsync(Item("s", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            await probe.SendAsync(Invocation("9", "Value"));
            return await probe.ReadUntilAsync(Marker);
        });
}
