using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static SignalRLite.Tests.Hubs.Comparison.OfficialHubComparisonTests;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>Differential test (see <see cref="OfficialHubComparisonTests"/>): no client timeout on Long Polling.</summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialLongPollingComparisonTests
{
    /// <summary>
    /// The official JS client sends no Ping over Long Polling (the polls are its keep-alive), and the official server does
    /// not time such a connection out. A raw Long Polling client that sends nothing after its handshake stays connected
    /// while a WebSocket connection of the same server, silent after one Ping, is closed by the client timeout: its Close
    /// is the event that proves more than <c>ClientTimeoutInterval</c> has passed for the Long Polling connection too.
    /// </summary>
    [Fact]
    public Task ALongPollingConnectionIsNotTimedOutWhenTheClientSendsNothing() => AssertSameAsync(
        "{} | {\"type\":7,\"error\":\"Connection closed with an error.\",\"allowReconnect\":true} [close NormalClosure]"
        + " || {} | {\"type\":3,\"invocationId\":\"9\",\"result\":42}",
        async server =>
        {
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            var negotiate = await (await http.PostAsync(ComparisonServer.Path + "/negotiate?negotiateVersion=1", null)).Content.ReadFromJsonAsync<JsonElement>();
            var url = ComparisonServer.Path + "?id=" + Uri.EscapeDataString(negotiate.GetProperty("connectionToken").GetString()!);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(url, new StringContent(JsonHandshake))).StatusCode);
            var received = await PollAsync(http, url);
            Assert.Equal("{}\u001e", received);

            // A poll waits meanwhile, as a client's would (the transport does not end a connection that polls).
            var poll = PollAsync(http, url);

            await using (var control = await server.ConnectAsync(JsonHandshake))
            {
                await control.ReadUntilAsync("{}");
                // The official server arms its client timeout with the first Ping.
                await control.SendAsync("{\"type\":6}\u001e");
                var controlTranscript = await control.ReadToEndAsync();

                Assert.False(poll.IsCompleted, "the Long Polling connection was closed: " + (poll.IsCompleted ? await poll : ""));
                Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(url, new StringContent(Invocation("9", "Value")))).StatusCode);
                while (!received.Contains("\"invocationId\":\"9\"", StringComparison.Ordinal))
                {
                    received += await poll;
                    poll = PollAsync(http, url);
                }

                return controlTranscript + " || " + string.Join(" | ", received.TrimEnd('\u001e').Split('\u001e'));
            }
        },
        new ComparisonOptions(ClientTimeoutInterval: TimeSpan.FromSeconds(1), KeepAliveInterval: TimeSpan.FromMilliseconds(250)));

    /// <summary>
    /// The client timeout is armed by the client's first Ping, on Long Polling too: a Long Polling client that pinged
    /// once and then only polls is closed after <c>ClientTimeoutInterval</c> (Close with allowReconnect), and its next
    /// poll ends the polling.
    /// </summary>
    [Fact]
    public Task ALongPollingConnectionThatPingedIsTimedOutWhenItFallsSilent() => AssertSameAsync(
        "{} | {\"type\":7,\"error\":\"Connection closed with an error.\",\"allowReconnect\":true} || ended",
        async server =>
        {
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            var negotiate = await (await http.PostAsync(ComparisonServer.Path + "/negotiate?negotiateVersion=1", null)).Content.ReadFromJsonAsync<JsonElement>();
            var url = ComparisonServer.Path + "?id=" + Uri.EscapeDataString(negotiate.GetProperty("connectionToken").GetString()!);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(url, new StringContent(JsonHandshake + "{\"type\":6}\u001e"))).StatusCode);

            // Polls until the server closes the connection (each poll waits for data or the poll timeout).
            var received = "";
            while (!received.Contains("\"type\":7", StringComparison.Ordinal))
            {
                received += await PollAsync(http, url);
            }

            // 204 while the connection is being torn down, 404 once it is gone: both end a client's polling (which of
            // the two depends on timing, on both servers).
            var after = (await http.GetAsync(url)).StatusCode;
            var ended = after is HttpStatusCode.NoContent or HttpStatusCode.NotFound ? "ended" : after.ToString();
            return string.Join(" | ", received.TrimEnd('\u001e').Split('\u001e')) + " || " + ended;
        },
        new ComparisonOptions(ClientTimeoutInterval: TimeSpan.FromSeconds(1), KeepAliveInterval: TimeSpan.FromMilliseconds(250)));

    private static async Task<string> PollAsync(HttpClient http, string url)
    {
        var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
