using static SignalRLite.Tests.Hubs.Comparison.OfficialHubComparisonTests;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>Differential test (see <see cref="OfficialHubComparisonTests"/>): what arms the client timeout on WebSockets.</summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialClientTimeoutComparisonTests
{
    /// <summary>
    /// The official server times a connection out only once the client has sent a Ping (the official clients send one
    /// within their keep-alive interval, so for them the timeout is armed at once). A client that connected first and sent
    /// nothing, and one that only invoked a method, both outlive a later client that pinged once and then fell silent:
    /// that client's Close is the event that proves more than <c>ClientTimeoutInterval</c> of silence has passed for
    /// the other two, which then still answer an invocation.
    /// </summary>
    [Fact]
    public Task OnlyAPingArmsTheClientTimeout() => AssertSameAsync(
        "{} | {\"type\":7,\"error\":\"Connection closed with an error.\",\"allowReconnect\":true} [close NormalClosure]"
        + " || {} | {\"type\":3,\"invocationId\":\"2\",\"result\":42}"
        + " || {} | {\"type\":3,\"invocationId\":\"1\",\"result\":42} | {\"type\":3,\"invocationId\":\"2\",\"result\":42}",
        async server =>
        {
            await using var silent = await server.ConnectAsync(JsonHandshake);
            await silent.ReadUntilAsync("{}");
            await using var invoking = await server.ConnectAsync(JsonHandshake);
            await invoking.SendAsync(Invocation("1", "Value"));
            await invoking.ReadUntilAsync("{\"type\":3,\"invocationId\":\"1\",\"result\":42}");

            await using var pinged = await server.ConnectAsync(JsonHandshake);
            await pinged.ReadUntilAsync("{}");
            await pinged.SendAsync("{\"type\":6}\u001e");
            var pingedTranscript = await pinged.ReadToEndAsync();

            Assert.False(silent.Closed, "the silent connection was closed: " + silent.Transcript);
            Assert.False(invoking.Closed, "the invoking connection was closed: " + invoking.Transcript);
            await silent.SendAsync(Invocation("2", "Value"));
            await invoking.SendAsync(Invocation("2", "Value"));
            return pingedTranscript
                + " || " + await silent.ReadUntilAsync("{\"type\":3,\"invocationId\":\"2\",\"result\":42}")
                + " || " + await invoking.ReadUntilAsync("{\"type\":3,\"invocationId\":\"2\",\"result\":42}");
        },
        new ComparisonOptions(ClientTimeoutInterval: TimeSpan.FromSeconds(1), KeepAliveInterval: TimeSpan.FromMilliseconds(250)));
}
