using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// Differential tests: each sends the same requests to the official server and to SignalRLite in the same test and
/// asserts that a client sees the same answers (status, headers as sent, body). The list of probes and what the official
/// server answered is in docs/transports.md ("Measured behaviour of the official server").
/// </summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialDifferentialTests
{
    private static readonly string[] NegotiateQueries =
    [
        "", "?negotiateVersion=abc", "?negotiateVersion=", "?negotiateVersion=-5", "?negotiateVersion=99999999999",
        "?negotiateVersion=1.5", "?negotiateVersion=0x1", "?negotiateVersion=%201", "?negotiateVersion=+1",
        "?negotiateVersion=00001", "?negotiateVersion=1&negotiateVersion=2", "?negotiateVersion=0", "?negotiateVersion=1",
        "?negotiateVersion=2", "?negotiateVersion=1&useStatefulReconnect=true",
    ];

    private static readonly string[] StatefulQueries =
    [
        "?negotiateVersion=1&useStatefulReconnect=true", "?negotiateVersion=1&useStatefulReconnect=TRUE",
        "?negotiateVersion=1&useStatefulReconnect=1", "?negotiateVersion=0&useStatefulReconnect=true",
        "?negotiateVersion=2&useStatefulReconnect=true", "?negotiateVersion=1",
    ];

    [Fact]
    public async Task Negotiate_VersionValues_Bodies_AndStatefulReconnect_AnswerTheSame()
    {
        foreach (var stateful in new[] { false, true })
        {
            var (official, ours) = await DifferentialHost.StartBothAsync(allowStatefulReconnects: stateful);
            await using (official)
            await using (ours)
            {
                foreach (var query in stateful ? StatefulQueries : NegotiateQueries)
                {
                    await AssertSameAsync(official, ours, $"stateful={stateful} negotiate{query}", () => new HttpRequestMessage(HttpMethod.Post, DifferentialHost.Path + "/negotiate" + query));
                }

                await AssertSameAsync(official, ours, "negotiate with a JSON body", () => new HttpRequestMessage(HttpMethod.Post, DifferentialHost.Path + "/negotiate?negotiateVersion=1")
                {
                    Content = new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"),
                });
                await AssertSameAsync(official, ours, "negotiate with a text body", () => new HttpRequestMessage(HttpMethod.Post, DifferentialHost.Path + "/negotiate?negotiateVersion=1")
                {
                    Content = new StringContent("hello"),
                });
            }
        }
    }

    [Fact]
    public async Task OtherMethods_OnNegotiateAndOnTheEndpoint_AreAnEmpty405()
    {
        var (official, ours) = await DifferentialHost.StartBothAsync();
        await using var _ = official;
        await using var __ = ours;
        foreach (var method in new[] { "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE" })
        {
            await AssertSameAsync(official, ours, method + " negotiate", () => new HttpRequestMessage(new HttpMethod(method), DifferentialHost.Path + "/negotiate"));
        }

        var officialToken = await official.NegotiateAsync();
        var oursToken = await ours.NegotiateAsync();
        foreach (var method in new[] { "HEAD", "OPTIONS", "PUT", "PATCH", "TRACE" })
        {
            await AssertSameAsync(official, ours, method + " without id", () => new HttpRequestMessage(new HttpMethod(method), DifferentialHost.Path));
            await AssertSameAsync(official, ours, method + " unknown id", () => new HttpRequestMessage(new HttpMethod(method), DifferentialHost.Path + "?id=unknown"));
            Assert.Equal(
                await DescribeAsync(official, new HttpRequestMessage(new HttpMethod(method), official.Url(officialToken))),
                await DescribeAsync(ours, new HttpRequestMessage(new HttpMethod(method), ours.Url(oursToken))));
        }
    }

    [Fact]
    public async Task MissingAndUnknownIds_AndDeleteBeforeAnyTransport_AnswerTheSame()
    {
        var (official, ours) = await DifferentialHost.StartBothAsync();
        await using var _ = official;
        await using var __ = ours;
        foreach (var id in new[] { "", "?id=", "?id=unknown" })
        {
            await AssertSameAsync(official, ours, "GET" + id, () => new HttpRequestMessage(HttpMethod.Get, DifferentialHost.Path + id));
            await AssertSameAsync(official, ours, "GET SSE" + id, () => SseStream.CreateRequestFor(DifferentialHost.Path + id));
            await AssertSameAsync(official, ours, "POST" + id, () => new HttpRequestMessage(HttpMethod.Post, DifferentialHost.Path + id) { Content = new StringContent("x") });
            await AssertSameAsync(official, ours, "DELETE" + id, () => new HttpRequestMessage(HttpMethod.Delete, DifferentialHost.Path + id));
        }

        Assert.Equal(
            await RawAsync(official, WebSocketUpgrade(DifferentialHost.Path + "?id=unknown")),
            await RawAsync(ours, WebSocketUpgrade(DifferentialHost.Path + "?id=unknown")));
        Assert.Equal(await DeleteFreshAsync(official), await DeleteFreshAsync(ours));

        static async Task<string> DeleteFreshAsync(DifferentialHost host) =>
            await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Delete, host.Url(await host.NegotiateAsync())));
    }

    [Fact]
    public async Task OnAWebSocketConnection_PostIs405_OtherRequestsAreRefusedTheSame()
    {
        await AssertSameAnswersAsync(ProbeAsync);

        static async Task<string[]> ProbeAsync(DifferentialHost host)
        {
            var token = await host.NegotiateAsync();
            using var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri($"ws://{host.BaseAddress.Authority}{host.Url(token)}"), CancellationToken.None);
            return
            [
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Post, host.Url(token)) { Content = new StringContent("x") }),
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Post, host.Url(token))),
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Get, host.Url(token))),
                await DescribeAsync(host, SseStream.CreateRequestFor(host.Url(token))),
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Delete, host.Url(token))),
                await RawAsync(host, WebSocketUpgrade(host.Url(token))),
            ];
        }
    }

    [Fact]
    public async Task OnAnSseConnection_WrongAcceptSecondStreamDeleteAndPost_AnswerTheSame()
    {
        await AssertSameAnswersAsync(ProbeAsync);

        static async Task<string[]> ProbeAsync(DifferentialHost host)
        {
            var token = await host.NegotiateAsync();
            await using var sse = await SseStream.OpenPathAsync(host.Client, host.Url(token));
            Assert.Equal(":\r\n", await sse.ReadUntilAsync("\r\n"));
            var stream = sse.Response.Headers.NonValidated.Concat(sse.Response.Content.Headers.NonValidated)
                .Where(h => h.Key is not "Date" and not "Server")
                .OrderBy(h => h.Key).Select(h => h.Key + ": " + string.Join(" ;; ", h.Value));
            var answers = new List<string> { (int)sse.Response.StatusCode + " " + string.Join(" | ", stream) };
            foreach (var accept in new[] { null, "application/json", "*/*" })
            {
                var get = new HttpRequestMessage(HttpMethod.Get, host.Url(token));
                if (accept is not null)
                {
                    get.Headers.TryAddWithoutValidation("Accept", accept);
                }

                answers.Add(await DescribeAsync(host, get));
            }

            answers.Add(await DescribeAsync(host, SseStream.CreateRequestFor(host.Url(token))));
            answers.Add(await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Delete, host.Url(token))));
            answers.Add(await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Post, host.Url(token)) { Content = new StringContent(DifferentialHost.Handshake) }));
            answers.Add(await RawAsync(host, WebSocketUpgrade(host.Url(token))));
            return [.. answers];
        }
    }

    /// <summary>Item 5: poll answers carry <c>application/octet-stream</c> for text payloads too, and the no-cache headers.</summary>
    [Fact]
    public async Task LongPolling_PollsDeleteAndRefusals_AnswerTheSame()
    {
        await AssertSameAnswersAsync(ProbeAsync);

        static async Task<string[]> ProbeAsync(DifferentialHost host)
        {
            var token = await host.NegotiateAsync();
            var answers = new List<string>
            {
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Get, host.Url(token))),
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Post, host.Url(token)) { Content = new StringContent(DifferentialHost.Handshake) }),
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Get, host.Url(token))),
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Post, host.Url(token))
                {
                    Content = new StringContent("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"h\u00e9 \u2603\"]}\u001e"),
                }),
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Get, host.Url(token))),
                await DescribeAsync(host, SseStream.CreateRequestFor(host.Url(token))),
                await RawAsync(host, WebSocketUpgrade(host.Url(token))),
            };

            // (Overlapping polls are compared in OfficialServerComparisonTests; what a poll gets right after DELETE depends
            // on how far the teardown got, on both servers.)
            answers.Add(await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Delete, host.Url(token))));
            await host.Events.Disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return [.. answers];
        }
    }

    /// <summary>Item 3: a POST arriving while another one's body is still being read waits for it, then succeeds.</summary>
    [Fact]
    public async Task ConcurrentPosts_TheSecondWaitsForTheFirst_BothSucceedInOrder()
    {
        await AssertSameAnswersAsync(ProbeAsync);

        static async Task<string[]> ProbeAsync(DifferentialHost host)
        {
            var token = await host.NegotiateAsync();
            Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync(host.Url(token))).StatusCode);
            var content = new SlowContent("{\"protocol\":", "\"json\",\"version\":1}\u001e");
            var first = host.Client.SendAsync(Post(host, token, "first", content));
            await host.Events.WhenAsync("first:read");

            // A ping: had the server read it before the rest of the handshake, the hub would have refused the handshake.
            var second = host.Client.SendAsync(Post(host, token, "second", new StringContent("{\"type\":6}\u001e")));
            await WaitUntilWaitingAsync(host, token, 1, "second");
            Assert.False(host.Events.Happened("second:read"), host.Name + ": the second POST's body was read before the first ended");
            Assert.False(second.IsCompleted);
            content.Continue();
            var answers = new[]
            {
                await DescribeAsync(await first),
                await DescribeAsync(await second),
                await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Get, host.Url(token))),
            };
            var log = host.Events.Log;
            Assert.True(log.ToList().IndexOf("first:end") < log.ToList().IndexOf("second:read"), host.Name + ": " + string.Join(", ", log));
            return answers;
        }
    }

    /// <summary>Item 3: a waiting POST whose request is aborted leaves the queue; one still waiting when the connection closes gets 404.</summary>
    [Fact]
    public async Task ConcurrentPosts_AbortedWaiterLeaves_WaiterAtCloseGets404()
    {
        await AssertSameAnswersAsync(ProbeAsync);

        static async Task<string[]> ProbeAsync(DifferentialHost host)
        {
            var token = await host.ConnectLongPollingAsync();
            var content = new SlowContent("{\"type\":", "6}\u001e");
            var first = host.Client.SendAsync(Post(host, token, "first", content));
            await host.Events.WhenAsync("first:read");
            using var abort = new CancellationTokenSource();
            var aborted = host.Client.SendAsync(Post(host, token, "aborted", new StringContent("{\"type\":6}\u001e")), abort.Token);
            await WaitUntilWaitingAsync(host, token, 1, "aborted");
            abort.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => aborted);
            await WaitUntilWaitingAsync(host, token, 0, null);
            var third = host.Client.SendAsync(Post(host, token, "third", new StringContent("{\"type\":6}\u001e")));
            await WaitUntilWaitingAsync(host, token, 1, "third");
            content.Continue();
            // (Whether a server still touches the aborted request's body later is not visible to clients: the official
            // server was seen to, so it is not compared.)
            var answers = new List<string> { await DescribeAsync(await first), await DescribeAsync(await third) };

            var slow = new SlowContent("{\"type\":", "6}\u001e");
            var holding = host.Client.SendAsync(Post(host, token, "holding", slow));
            await host.Events.WhenAsync("holding:read");
            var waiting = host.Client.SendAsync(Post(host, token, "waiting", new StringContent("{\"type\":6}\u001e")));
            await WaitUntilWaitingAsync(host, token, 1, "waiting");
            answers.Add(await DescribeAsync(host, new HttpRequestMessage(HttpMethod.Delete, host.Url(token))));
            slow.Continue();
            answers.Add(await DescribeAsync(await holding));
            answers.Add(await DescribeAsync(await waiting));
            return [.. answers];
        }
    }

    /// <summary>
    /// Item 6: once an SSE request is aborted (TCP reset), the connection ends: the hub sees the disconnect and POSTs get
    /// 404 (the "about 2 s" measured earlier was HttpClient draining the disposed response, not the server).
    /// </summary>
    [Fact]
    public async Task SseRequestAborted_ConnectionEnds_PostsGet404()
    {
        await AssertSameAnswersAsync(ProbeAsync);

        static async Task<string> ProbeAsync(DifferentialHost host)
        {
            var token = await host.NegotiateAsync();
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {host.Url(token)} HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nAccept: text/event-stream\r\n\r\n"));
            var received = new StringBuilder();
            var buffer = new byte[1024];
            while (!received.ToString().EndsWith(":\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                Assert.True(read != 0, host.Name + ": the stream ended after " + received);
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync(host.Url(token), new StringContent(DifferentialHost.Handshake))).StatusCode);
            // The handshake answer (the official server writes "data: " and the payload as separate chunks).
            while (!received.ToString().Contains("{}\u001e", StringComparison.Ordinal))
            {
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (TimeoutException)
                {
                    throw new Xunit.Sdk.XunitException(host.Name + ": no handshake answer after " + received.ToString().Replace("\r\n", "|"));
                }

                Assert.True(read != 0, host.Name + ": the stream ended after " + received);
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            tcp.Client.LingerState = new LingerOption(true, 0);
            tcp.Client.Close();
            await host.Events.Disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
            var post = await host.Client.PostAsync(host.Url(token), new StringContent("{\"type\":6}\u001e"));
            var body = await post.Content.ReadAsStringAsync();
            Assert.True(body is "" or "No Connection with that ID", body);
            return ((int)post.StatusCode).ToString();
        }
    }

    private static HttpRequestMessage Post(DifferentialHost host, string token, string name, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, host.Url(token)) { Content = content };
        request.Headers.Add("X-Probe", name);
        return request;
    }

    /// <summary>
    /// Until the POST <paramref name="entered"/> has reached the hub endpoint and, on ours, the queue counts
    /// <paramref name="count"/> waiting POSTs. The official server exposes no such state; there the caller's later
    /// assertions are ordered by the recorded body reads instead.
    /// </summary>
    private static async Task WaitUntilWaitingAsync(DifferentialHost host, string token, int count, string? entered)
    {
        if (entered is not null)
        {
            await host.Events.WhenAsync(entered + ":enter");
        }

        if (host.Manager is null)
        {
            return;
        }

        Assert.True(host.Manager.TryGetConnection(token, out var connection));
        // The queue's counter raises no event: polled.
        await TestWaits.UntilAsync(() => connection.Posts.Waiting == count, $"{connection.Posts.Waiting} POSTs wait, expected {count}");
    }

    private static async Task AssertSameAsync(DifferentialHost official, DifferentialHost ours, string label, Func<HttpRequestMessage> request)
    {
        var expected = await DescribeAsync(official, request());
        var actual = await DescribeAsync(ours, request());
        Assert.True(expected == actual, $"{label}\n official: {expected}\n ours:     {actual}");
    }

    private static async Task<string> DescribeAsync(DifferentialHost host, HttpRequestMessage request) =>
        await DescribeAsync(await host.Client.SendAsync(request));

    private static Task<string> DescribeAsync(HttpResponseMessage response) => DifferentialHost.DescribeAsync(response);

    private static string WebSocketUpgrade(string pathAndQuery) =>
        $"GET {pathAndQuery} HTTP/1.1\r\nHost: HOST\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    /// <summary>Sends a raw request on its own TCP connection; the response head (without Date) and body as read until the server closes or goes quiet.</summary>
    private static async Task<string> RawAsync(DifferentialHost host, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Replace("HOST", host.BaseAddress.Authority)));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var text = received.ToString();
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd >= 0 && IsComplete(text, headEnd))
            {
                break;
            }

            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return string.Join("\n", received.ToString().Split("\r\n").Where(l => !l.StartsWith("Date:", StringComparison.Ordinal)));

        static bool IsComplete(string text, int headEnd)
        {
            var head = text[..headEnd];
            if (head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) || head.Contains("Content-Length: 0", StringComparison.Ordinal))
            {
                return true;
            }

            return head.Contains("Transfer-Encoding: chunked", StringComparison.Ordinal) && text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        }
    }

    /// <summary>Starts both servers, runs the same probe on each, and asserts the same answers.</summary>
    private static async Task AssertSameAnswersAsync<T>(Func<DifferentialHost, Task<T>> probe)
    {
        var (official, ours) = await DifferentialHost.StartBothAsync();
        await using var _ = official;
        await using var __ = ours;
        Assert.Equal(await probe(official), await probe(ours));
    }
}
